"""EDIFACT tokenising of decoded text: the UNA service string advice, segments split on service
characters, and released (escaped) characters, either marked once per chunk or scanned one by one."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from translators.edifact.errors import (
    Code,
    ServiceStringAdviceError,
)
from translators.edifact.syntax import (
    NO_REPETITION,
    UNA_LENGTH,
    UNA_TAG,
    Segment,
    ServiceChars,
)
from translators.errors import Location

BOM = b"\xef\xbb\xbf"
NEWLINES = "\r\n"
MAX_FINDINGS = 20
MARK = "\x01"
PLACEHOLDERS = ("\ue000", "\ue001", "\ue002", "\ue003", "\ue004")


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


def escapes_for(sc: ServiceChars) -> list[tuple[str, str]]:
    """(release + character, mark + digit) pairs, the released release character first. The marks keep
    the chunk ASCII-compact, so ``str.split`` stays on its fast path."""
    rel = sc.release
    chars = (rel, sc.element, sc.component, sc.repetition, sc.terminator)
    return [(rel + c, MARK + str(i)) for i, c in enumerate(chars) if c != NO_REPETITION]


def mark_released(text: str, rel: str, escapes: list[tuple[str, str]]) -> str:
    for pair, marked in escapes:
        if pair in text:
            text = text.replace(pair, marked)
    return text.replace(rel, "")


@lru_cache(maxsize=32)
def unmarker(sc: ServiceChars) -> Callable[[str], str]:
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


def restore_marked(segment: Segment, unmark: Callable[[str], str]) -> None:
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
