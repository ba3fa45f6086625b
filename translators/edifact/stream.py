"""EDIFACT segment stream: reads bytes (or a binary stream) in bounded chunks and yields ``Segment`` lists.

The service string advice (UNA) or the defaults fix the delimiters; the UNB header, read at byte level,
names the syntax identifier (codec) and version (repetition separator). Each chunk is cut after its last
segment terminator, decoded once, released characters are marked, and the chunk is split with
``str.split``. Line breaks are ignored unless a line break is the terminator, so hard-wrapped files and
"one segment per line" files read the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Protocol

from translators.edifact.charsets import SyntaxCharset, charset_for, decode
from translators.edifact.errors import (
    CharacterSetError,
    Code,
    EdifactEnvelopeError,
    EdifactLimitError,
    ServiceStringAdviceError,
)
from translators.edifact.lexer import (
    BOM,
    MARK,
    MAX_FINDINGS,
    NEWLINES,
    escapes_for,
    join_released,
    mark_released,
    parse_una,
    restore_marked,
    tokenize,
    tokenize_plain,
    unmarker,
)
from translators.edifact.syntax import (
    DEFAULT_CHARS,
    LEVEL_B_CHARS,
    LEVEL_B_ELEMENT,
    LEVEL_B_REPETITION,
    NO_REPETITION,
    SYNTAX4_DEFAULT_REPETITION,
    TAG_LENGTH,
    UNA_LENGTH,
    UNA_TAG,
    Limits,
    Segment,
)
from translators.errors import Location

_new_object = object.__new__
PRINTABLE_ASCII = "".join(map(chr, range(0x20, 0x7F)))


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
        self._printable_ascii_valid = False

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
        self._printable_ascii_valid = self._invalid is None or self._invalid.search(PRINTABLE_ASCII) is None

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
        escapes = escapes_for(sc)
        carry = ""
        for chunk in self._texts():
            if self._invalid is not None and len(self.findings) < MAX_FINDINGS:
                self._find_invalid(chunk, term)
            text = chunk
            if rel != NO_REPETITION and rel in chunk:
                if MARK in chunk:
                    pieces = join_released((carry + chunk).split(term), sc)
                    carry = pieces.pop()
                    yield self._tokenize_scan(pieces)
                    continue
                text = mark_released(chunk, rel, escapes)
            pieces = text.split(term)
            pieces[0] = carry + pieces[0]
            carry = pieces.pop()
            yield self._tokenize_batch(pieces, text)
        if carry.strip():
            yield self._tokenize_batch([carry.strip()], carry)

    def _tokenize_batch(self, pieces: list[str], text: str) -> list[Segment]:
        """Split the segments of one chunk (``text``, released characters marked) with ``str.split``.

        Segments without released characters keep their element strings, split into components only when
        read (see ``Segment``); segments with released characters are split and restored at once.
        The loop handles the common case only: three-letter tags, no repetition separator, at most
        ``max_elements`` elements, no segment over ``max_segment_chars``. Any batch with something else
        is tokenised again, from the start, by ``_tokenize_careful``, which numbers, normalises, drops
        and rejects segments exactly as the specification asks.
        """
        if not pieces:
            return []
        sc = self.service_chars
        head = pieces[0]
        rep = sc.repetition
        if (rep != NO_REPETITION and (rep in text or rep in head)) or max(
            map(len, pieces)
        ) > self.limits.max_segment_chars:
            return self._tokenize_careful(pieces)
        elem, comp = sc.element, sc.component
        max_parts = self.limits.max_elements + 1
        out: list[Segment] = []
        append = out.append
        index = self._count
        marked = MARK in text or MARK in head
        unmark = unmarker(sc)
        new, segment_class = _new_object, Segment
        for raw in pieces:
            parts = raw.split(elem)
            tag = parts[0]
            if marked and MARK in raw:
                tag = unmark(tag)
                elements = [
                    [unmark(v) if MARK in v else v for v in p.split(comp)] if MARK in p else p.split(comp)
                    for p in parts[1:]
                ]
                if len(tag) != TAG_LENGTH or tag == UNA_TAG or len(parts) > max_parts:
                    return self._tokenize_careful(pieces)
                index += 1
                append(Segment(tag, elements, index))
                continue
            if len(tag) != TAG_LENGTH or tag == UNA_TAG or len(parts) > max_parts:
                return self._tokenize_careful(pieces)
            index += 1
            # An unsplit Segment (see its docstring), made here: a constructor call per segment costs more.
            segment = new(segment_class)
            segment.tag, segment._parts, segment._elements = tag, parts, None
            segment._component, segment.index, segment.repeats = comp, index, None
            append(segment)
        self._count = index
        return out

    def _tokenize_careful(self, pieces: list[str]) -> list[Segment]:
        sc = self.service_chars
        elem, comp, rep = sc.element, sc.component, sc.repetition
        has_rep = rep != NO_REPETITION
        max_chars, max_elements = self.limits.max_segment_chars, self.limits.max_elements
        restore = unmarker(sc)
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
                restore_marked(segment, restore)
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
        kept = self._normalise_tag(segment)
        if segment.tag == UNA_TAG or raw.lstrip().startswith(UNA_TAG):
            self._check_repeated_una(raw)
            return False
        return kept

    def _normalise_tag(self, segment: Segment) -> bool:
        """Strip stray blanks and a syntax 4 tag's nesting components; False for an empty segment."""
        tag = segment.tag.strip().split(self.service_chars.component, 1)[0]
        segment.tag = tag
        return bool(tag) or bool(segment.elements)

    def _find_invalid(self, text: str, term: str) -> None:
        invalid = self._invalid
        if invalid is None or (self._printable_ascii_valid and text.isascii() and text.isprintable()):
            return  # every character is in the repertoire: no search needed
        if invalid.search(text) is None:
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
