"""EDIFACT tokeniser: reads bytes (or a binary stream) in bounded chunks and yields ``Segment`` objects.

The service string advice (UNA) or the defaults fix the delimiters; the UNB header, read at byte level,
names the syntax identifier (codec) and version (repetition separator). Each chunk is cut after its last
segment terminator, decoded once, and split with ``str.split``; segments holding the release character
take a slower escape-aware path. Line breaks are ignored unless a line break is the terminator, so
hard-wrapped files and "one segment per line" files read the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Protocol

from translators.edifact.charsets import SyntaxCharset, charset_for, decode
from translators.edifact.errors import (
    CharacterSetError,
    Code,
    EdifactEnvelopeError,
    EdifactLimitError,
    ServiceStringAdviceError,
)
from translators.edifact.syntax import (
    DEFAULT_CHARS,
    LEVEL_B_CHARS,
    LEVEL_B_ELEMENT,
    LEVEL_B_REPETITION,
    NO_REPETITION,
    SYNTAX4_DEFAULT_REPETITION,
    UNA_LENGTH,
    UNA_TAG,
    Limits,
    Segment,
    ServiceChars,
)
from translators.errors import Location

BOM = b"\xef\xbb\xbf"
NEWLINES = "\r\n"
MAX_FINDINGS = 20
MARK = "\x01"
PLACEHOLDERS = ("\ue000", "\ue001", "\ue002", "\ue003", "\ue004")


class ByteStream(Protocol):
    """A binary stream: ``read(size)`` returns bytes, b"" at the end."""

    def read(self, size: int = -1, /) -> bytes: ...


Source = bytes | bytearray | memoryview | ByteStream


def reader_for(source: Source, chunk: int) -> Callable[[], bytes]:
    """A ``read()`` returning successive chunks ('' at the end) for bytes or a binary stream."""
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        state = {"pos": 0}

        def read_bytes() -> bytes:
            start = state["pos"]
            state["pos"] = start + chunk
            return bytes(view[start : start + chunk])

        return read_bytes
    return lambda: source.read(chunk)


def parse_una(text: str, offset: int) -> ServiceChars:
    """Service characters from a 9-character UNA segment; rejects duplicates and alphanumerics."""
    if len(text) < UNA_LENGTH:
        raise ServiceStringAdviceError("UNA is truncated", Location(segment_tag=UNA_TAG, byte_offset=offset))
    comp, elem, dec, rel, rep, term = (text[i] for i in range(3, 9))
    chars = ServiceChars(comp, elem, dec, rel, rep, term)
    delims = [comp, elem, term] + ([rel] if rel != " " else []) + ([rep] if rep != " " else [])
    if len(set(delims)) != len(delims) or any(c.isalnum() for c in delims):
        raise ServiceStringAdviceError(
            f"UNA service characters clash or are alphanumeric: {text[3:9]!r}",
            Location(segment_tag=UNA_TAG, byte_offset=offset),
            Code.INVALID_SERVICE_CHARACTER,
        )
    if dec not in ".,":
        raise ServiceStringAdviceError(
            f"UNA decimal mark {dec!r} is neither '.' nor ','", Location(segment_tag=UNA_TAG, element_index=3)
        )
    return chars


def split_escaped(text: str, sep: str, rel: str) -> list[str]:
    """Split on ``sep`` where it is not preceded by an unreleased release character; unescape values."""
    out: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == rel and i + 1 < n:
            buf.append(ch + text[i + 1])
            i += 2
            continue
        if ch == sep:
            out.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    out.append("".join(buf))
    return out


def unescape(value: str, rel: str) -> str:
    """Drop release characters, keeping the character each one releases."""
    if rel not in value:
        return value
    out: list[str] = []
    i, n = 0, len(value)
    while i < n:
        if value[i] == rel and i + 1 < n:
            i += 1
        out.append(value[i])
        i += 1
    return "".join(out)


def tokenize_released(raw: str, sc: ServiceChars, index: int) -> Segment:
    """Path for a segment holding the release character: released characters become placeholders,
    the segment is split as usual, then the placeholders turn back into the characters they stand for."""
    if any(p in raw for p in PLACEHOLDERS):
        return tokenize_by_scan(raw, sc, index)
    rel = sc.release
    text = raw.replace(rel + rel, PLACEHOLDERS[0])
    released = (sc.element, sc.component, sc.repetition, sc.terminator)
    for placeholder, char in zip(PLACEHOLDERS[1:], released, strict=True):
        text = text.replace(rel + char, placeholder)
    text = text.replace(rel, "")
    segment = tokenize_plain(text, sc, index)
    table = _restore_table(sc)
    segment.elements = [[v.translate(table) for v in comps] for comps in segment.elements]
    if segment.repeats:
        segment.repeats = {
            k: [[v.translate(table) for v in comps] for comps in occ] for k, occ in segment.repeats.items()
        }
    return segment


@lru_cache(maxsize=32)
def _restore_table(sc: ServiceChars) -> dict[int, str]:
    chars = (sc.release, sc.element, sc.component, sc.repetition, sc.terminator)
    return str.maketrans(dict(zip(PLACEHOLDERS, chars, strict=True)))


def _escapes(sc: ServiceChars) -> list[tuple[str, str]]:
    """(release + character, mark + digit) pairs, the released release character first. The marks keep
    the chunk ASCII-compact, so ``str.split`` stays on its fast path."""
    rel = sc.release
    chars = (rel, sc.element, sc.component, sc.repetition, sc.terminator)
    return [(rel + c, MARK + str(i)) for i, c in enumerate(chars) if c != NO_REPETITION]


def _mark_released(text: str, rel: str, escapes: list[tuple[str, str]]) -> str:
    for pair, marked in escapes:
        if pair in text:
            text = text.replace(pair, marked)
    return text.replace(rel, "")


@lru_cache(maxsize=32)
def _unmarker(sc: ServiceChars) -> Callable[[str], str]:
    pairs = [
        (MARK + str(i), c)
        for i, c in enumerate((sc.release, sc.element, sc.component, sc.repetition, sc.terminator))
    ]

    def unmark(value: str) -> str:
        if MARK not in value:
            return value
        for marked, char in pairs:
            value = value.replace(marked, char)
        return value

    return unmark


def _restore(segment: Segment, unmark: Callable[[str], str]) -> None:
    segment.tag = unmark(segment.tag)
    segment.elements = [[unmark(v) for v in comps] for comps in segment.elements]
    if segment.repeats:
        segment.repeats = {k: [[unmark(v) for v in c] for c in occ] for k, occ in segment.repeats.items()}


def tokenize_by_scan(raw: str, sc: ServiceChars, index: int) -> Segment:
    """Character-by-character path, only for data that already holds the placeholder characters."""
    rel, rep = sc.release, sc.repetition
    parts = split_escaped(raw, sc.element, rel)
    tag = unescape(split_escaped(parts[0], sc.component, rel)[0], rel)
    elements: list[list[str]] = []
    repeats: dict[int, list[list[str]]] | None = None
    for number, part in enumerate(parts[1:], 1):
        occurrences = split_escaped(part, rep, rel) if rep != NO_REPETITION else [part]
        comps = [[unescape(c, rel) for c in split_escaped(o, sc.component, rel)] for o in occurrences]
        elements.append(comps[0])
        if len(comps) > 1:
            repeats = repeats or {}
            repeats[number] = comps
    return Segment(tag, elements, index, repeats)


def tokenize(raw: str, sc: ServiceChars, index: int) -> Segment:
    """Tokenise one segment (terminator already removed)."""
    if sc.release in raw:
        return tokenize_released(raw, sc, index)
    return tokenize_plain(raw, sc, index)


def tokenize_plain(raw: str, sc: ServiceChars, index: int) -> Segment:
    """Fast path: a segment without release characters is split with ``str.split`` only."""
    parts = raw.split(sc.element)
    tag = parts[0]
    comp = sc.component
    if comp in tag:
        tag = tag.split(comp, 1)[0]
    rep = sc.repetition
    if rep == NO_REPETITION or rep not in raw:
        return Segment(tag, [p.split(comp) if comp in p else [p] for p in parts[1:]], index)
    elements: list[list[str]] = []
    repeats: dict[int, list[list[str]]] = {}
    for number, part in enumerate(parts[1:], 1):
        occurrences = [o.split(comp) for o in part.split(rep)]
        elements.append(occurrences[0])
        if len(occurrences) > 1:
            repeats[number] = occurrences
    return Segment(tag, elements, index, repeats or None)


def join_released(pieces: list[str], sc: ServiceChars) -> list[str]:
    """Re-join pieces split at a terminator that was released (odd run of release characters)."""
    rel, term = sc.release, sc.terminator
    out: list[str] = []
    pending = ""
    for raw in pieces:
        piece = pending + raw if pending else raw
        pending = ""
        if piece.endswith(rel) and (len(piece) - len(piece.rstrip(rel))) % 2 == 1:
            pending = piece + term
            continue
        out.append(piece)
    if pending:
        out.append(pending[:-1])
    return out


class SegmentStream:
    """Bounded-memory segment iterator over one source holding one or more interchanges.

    ``open()`` consumes UNA/UNB at byte level and returns the UNB segment; ``segments()`` then yields
    every following segment. ``service_chars`` and ``charset`` describe the interchange being read.
    """

    def __init__(self, source: Source, limits: Limits) -> None:
        self.limits = limits
        self._read = reader_for(source, limits.chunk_bytes)
        self._buffer = b""
        self._consumed = 0
        self._count = 0
        self.service_chars = DEFAULT_CHARS
        self.charset: SyntaxCharset = charset_for("UNOA")
        self.una_present = False
        self.findings: list[tuple[int, str, str]] = []
        self._invalid: re.Pattern[str] | None = None

    def _fill(self, minimum: int) -> bool:
        while len(self._buffer) < minimum:
            data = self._read()
            if not data:
                return False
            self._account(len(data))
            self._buffer += data
        return True

    def _account(self, size: int) -> None:
        self._consumed += size
        if self._consumed > self.limits.max_interchange_bytes:
            raise EdifactLimitError(
                f"input exceeds {self.limits.max_interchange_bytes} bytes",
                Location(byte_offset=self._consumed),
            )

    def open(self) -> Segment:
        """Read the service string advice and the UNB header."""
        self._fill(UNA_LENGTH + 4)
        head = self._buffer
        if head.startswith(BOM):
            head = head[len(BOM) :]
        head = head.lstrip(b" \t\r\n\x00")
        self.una_present = head.startswith(UNA_TAG.encode())
        if self.una_present:
            self.service_chars = parse_una(head[:UNA_LENGTH].decode("latin-1"), 0)
            head = head[UNA_LENGTH:].lstrip(b"\r\n")
        elif head[3:4] == LEVEL_B_ELEMENT.encode():
            self.service_chars = LEVEL_B_CHARS
        else:
            self.service_chars = DEFAULT_CHARS
        self._buffer = head
        return self._read_header()

    def _read_header(self) -> Segment:
        term = self.service_chars.terminator.encode("latin-1")
        while (cut := self._buffer.find(term)) < 0:
            if len(self._buffer) > self.limits.max_segment_chars or not self._fill(len(self._buffer) + 1):
                raise EdifactEnvelopeError(
                    "no UNB interchange header (or no segment terminator) found",
                    Location(segment_tag="UNB", byte_offset=0),
                    Code.MISSING,
                )
        raw = self._buffer[:cut].decode("latin-1").replace("\r", "").replace("\n", "")
        self._buffer = self._buffer[cut + 1 :]
        unb = tokenize(raw, self.service_chars, 1)
        self._count = 1
        if unb.tag != "UNB":
            raise EdifactEnvelopeError(
                f"interchange starts with {unb.tag[:6]!r}, not UNA/UNB",
                Location(segment_tag="UNB", segment_position=1, byte_offset=0),
                Code.MISSING,
            )
        self._configure(unb)
        return unb

    def _configure(self, unb: Segment) -> None:
        self.charset = charset_for(unb.get(1, 1))
        version = unb.get(1, 2)
        sc = self.service_chars
        if version == "4":
            if not self.una_present and sc.repetition == NO_REPETITION:
                default = LEVEL_B_REPETITION if sc == LEVEL_B_CHARS else SYNTAX4_DEFAULT_REPETITION
                self.service_chars = sc.with_repetition(default)
        elif sc.repetition != NO_REPETITION:
            self.service_chars = sc.with_repetition(NO_REPETITION)
        sc = self.service_chars
        self._invalid = self.charset.invalid_pattern(sc.delimiters() + sc.decimal)

    def _texts(self) -> Iterator[str]:
        term = self.service_chars.terminator.encode("latin-1")
        buf = self._buffer
        self._buffer = b""
        base = self._consumed - len(buf)
        while True:
            cut = buf.rfind(term)
            if cut >= 0:
                yield self._decode(buf[: cut + 1], base)
                base += cut + 1
                buf = buf[cut + 1 :]
            data = self._read()
            if not data:
                if buf.strip():
                    yield self._decode(buf, base)
                return
            self._account(len(data))
            buf = buf + data if buf else data
            if len(buf) > self.limits.max_segment_chars + self.limits.chunk_bytes:
                raise EdifactLimitError(
                    f"a segment is longer than {self.limits.max_segment_chars} characters",
                    Location(byte_offset=base),
                )

    def _decode(self, data: bytes, base: int) -> str:
        try:
            text = decode(data, self.charset)
        except UnicodeDecodeError as exc:
            raise CharacterSetError(
                f"bytes invalid for syntax identifier {self.charset.identifier}: {exc.reason}",
                Location(byte_offset=base + exc.start),
            ) from None
        term = self.service_chars.terminator
        if term not in NEWLINES and ("\n" in text or "\r" in text):
            text = text.replace("\r", "").replace("\n", "")
        elif term == "\n" and "\r" in text:
            text = text.replace("\r", "")
        return text

    def segments(self) -> Iterator[Segment]:
        """Every segment after UNB, in order, with its 1-based index in the source."""
        for batch in self.batches():
            yield from batch

    def batches(self) -> Iterator[list[Segment]]:
        """The segments after UNB, one list per chunk read.

        Released characters are swapped for private-use placeholders once per chunk (``str.replace``), so
        every segment is then split with ``str.split``; only non-ASCII segments are checked for
        placeholders to turn back (``str.isascii`` is O(1)). Data that already holds those placeholder
        characters takes the character-by-character path instead.
        """
        sc = self.service_chars
        term, rel = sc.terminator, sc.release
        escapes = _escapes(sc)
        carry = ""
        for text in self._texts():
            if self._invalid is not None and len(self.findings) < MAX_FINDINGS:
                self._find_invalid(text, term)
            if rel != NO_REPETITION and rel in text:
                if MARK in text:
                    pieces = join_released((carry + text).split(term), sc)
                    carry = pieces.pop()
                    yield self._tokenize_scan(pieces)
                    continue
                pieces = _mark_released(text, rel, escapes).split(term)
            else:
                pieces = text.split(term)
            pieces[0] = carry + pieces[0]
            carry = pieces.pop()
            yield self._tokenize_batch(pieces)
        if carry.strip():
            yield self._tokenize_batch([carry.strip()])

    def _tokenize_batch(self, pieces: list[str]) -> list[Segment]:
        sc = self.service_chars
        elem, comp, rep = sc.element, sc.component, sc.repetition
        has_rep = rep != NO_REPETITION
        max_chars, max_elements = self.limits.max_segment_chars, self.limits.max_elements
        restore = _unmarker(sc)
        out: list[Segment] = []
        append = out.append
        index = self._count
        for raw in pieces:
            if len(raw) > max_chars:
                raise EdifactLimitError(
                    f"segment longer than {max_chars} characters",
                    Location(segment_tag=raw[:3]),
                    Code.ELEMENT_TOO_LONG,
                )
            index += 1
            if has_rep and rep in raw:
                segment = tokenize_plain(raw, sc, index)
            else:
                parts = raw.split(elem)
                segment = Segment(parts[0], [p.split(comp) for p in parts[1:]], index)
            if MARK in raw:
                _restore(segment, restore)
            tag = segment.tag
            if (len(tag) != 3 or tag == UNA_TAG) and not self._special(segment, raw):
                index -= 1
                continue
            if len(segment.elements) > max_elements:
                raise EdifactLimitError(
                    f"{segment.tag} has more than {max_elements} elements",
                    Location(segment_tag=segment.tag),
                    Code.TOO_MANY_CONSTITUENTS,
                )
            append(segment)
        self._count = index
        return out

    def _tokenize_scan(self, pieces: list[str]) -> list[Segment]:
        out = []
        for raw in pieces:
            segment = tokenize(raw, self.service_chars, self._count + 1)
            if self._special(segment, raw) if len(segment.tag) != 3 or segment.tag == UNA_TAG else True:
                self._count += 1
                out.append(segment)
        return out

    def _special(self, segment: Segment, raw: str) -> bool:
        """Odd tags: a later UNA (checked, dropped), blanks or syntax 4 nesting (normalised), empties."""
        if segment.tag == UNA_TAG:
            self._check_repeated_una(raw)
            return False
        return self._normalise_tag(segment)

    def _normalise_tag(self, segment: Segment) -> bool:
        """Strip stray blanks and a syntax 4 tag's nesting components; False for an empty segment."""
        tag = segment.tag.strip().split(self.service_chars.component, 1)[0]
        segment.tag = tag
        return bool(tag) or bool(segment.elements)

    def _find_invalid(self, text: str, term: str) -> None:
        invalid = self._invalid
        if invalid is None or invalid.search(text) is None:
            return
        for offset, raw in enumerate(text.split(term), self._count + 1):
            if (found := invalid.search(raw)) is not None:
                self.findings.append((offset, raw[:3], found.group()))
                if len(self.findings) >= MAX_FINDINGS:
                    return

    def _check_repeated_una(self, raw: str) -> None:
        """A UNA before a following interchange must announce the same component and element separators."""
        if raw[3:5] != self.service_chars.una()[3:5] and raw[3:5] != DEFAULT_CHARS.una()[3:5]:
            raise ServiceStringAdviceError(
                "a later interchange announces different service characters; split the file",
                Location(segment_tag=UNA_TAG),
            )
