"""Reading context of one transaction set: the current segment position, typed element readers that
record a located AK4/IK4 error instead of raising, so one bad value never hides the others, and the
memo that reuses the canonical value of a segment repeated verbatim in the set.

Canonical values are immutable, so a segment that reads the same (``DTM*002*20260320`` on every line,
``SN1**12*EA`` in every carton) maps to one shared object instead of thousands of equal ones: less work,
less memory and less for the garbage collector to trace on a large set. Only readings that recorded no
error are kept, so every bad occurrence is still reported at its own position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from translators.canonical import Extension
from translators.errors import ElementError, Location, TranslatorError
from translators.x12 import codes
from translators.x12.envelope import SetHeader
from translators.x12.lexer import Delimiters

MAX_MAP_ERRORS = 1000
MAX_MEMO_ENTRIES = 4096
DATE_CACHE_SIZE = 4096
CENTURY_PIVOT = 50
T = TypeVar("T")
S = TypeVar("S", bound=Sequence[str])


def el(segment: Sequence[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""


@lru_cache(maxsize=DATE_CACHE_SIZE)
def parse_date(text: str) -> dt.date:
    if len(text) == 8:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    if len(text) == 6:
        year = int(text[:2])
        return dt.date(year + (2000 if year < CENTURY_PIVOT else 1900), int(text[2:4]), int(text[4:6]))
    raise ValueError(text)


def parse_time(text: str) -> dt.time:
    if not text.isdigit() or len(text) < 4:
        raise ValueError(text)
    seconds = int(text[4:6]) if len(text) >= 6 else 0
    fraction = text[6:]
    micro = int(fraction.ljust(6, "0")[:6]) if fraction else 0
    return dt.time(int(text[:2]), int(text[2:4]), seconds, micro)


@dataclass(slots=True)
class Reader:
    header: SetHeader
    delimiters: Delimiters
    position: int = 1
    errors: list[TranslatorError] = field(default_factory=list)
    memo: dict[Hashable, Any] = field(default_factory=dict)

    def read(self, read: Callable[[Reader, S], T | None], segment: S) -> T | None:
        """``read(self, segment)``, or the value it returned without error for an equal segment earlier
        in the set. Only the one reader of a tag's segments in an area may use this (other readings of
        the same tag, e.g. item-level lots, key theirs with ``read_as``)."""
        return self.read_as(tuple(segment), read, segment)

    def read_as(self, key: Hashable, read: Callable[[Reader, S], T | None], segment: S) -> T | None:
        """Like ``read`` for a value that depends only on the elements in ``key`` (a tuple starting with
        a name that is no segment tag, e.g. ``("PO1 quantity", quantity, unit)``)."""
        value: T | None = self.memo.get(key)
        if value is None:
            errors = len(self.errors)
            value = read(self, segment)
            if value is not None and len(self.errors) == errors:
                self.remember(key, value)
        return value

    def shared(self, values: tuple[T, ...]) -> tuple[T, ...]:
        """One tuple for every run of the very same (memoised) values, e.g. each line's one DTM: fewer
        objects for the garbage collector to trace on a large set. Keyed by identity, which the memo
        keeps valid by holding the values."""
        if not values:
            return values
        key = ("shared tuple", *map(id, values))
        found: tuple[T, ...] | None = self.memo.get(key)
        if found is None:
            self.remember(key, values)
            return values
        return found

    def remember(self, key: Hashable, value: Any) -> None:
        memo = self.memo
        if len(memo) >= MAX_MEMO_ENTRIES:
            memo.clear()
        memo[key] = value

    def at(self, position: int) -> _At:
        """Report errors at ``position`` (a segment read earlier) while building from it."""
        return _At(self, position)

    def location(self, tag: str, index: int | None = None) -> Location:
        h = self.header
        return Location(
            interchange_ref=h.group.interchange.control_number,
            group_ref=h.group.control_number,
            message_ref=h.control_number,
            segment_position=self.position,
            segment_tag=tag,
            element_index=index,
        )

    def error(self, segment: Sequence[str], index: int, code: str, message: str) -> None:
        if len(self.errors) < MAX_MAP_ERRORS:
            self.errors.append(ElementError(message, self.location(segment[0], index), code))

    def text(self, segment: Sequence[str], index: int) -> str | None:
        return (segment[index] if index < len(segment) else "") or None

    def required(self, segment: Sequence[str], index: int) -> str:
        value = segment[index] if index < len(segment) else ""
        if not value:
            self.error(
                segment, index, codes.ELEMENT_MANDATORY_MISSING, f"{segment[0]}{index:02d} is required"
            )
        return value

    def decimal(self, segment: Sequence[str], index: int, implied: int = 0) -> Decimal | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            self.error(segment, index, codes.ELEMENT_INVALID_CHARACTER, f"{value[:20]!r} is not a number")
            return None
        if not number.is_finite():
            self.error(segment, index, codes.ELEMENT_INVALID_CHARACTER, f"{value[:20]!r} is not a number")
            return None
        return number.scaleb(-implied) if implied else number

    def integer(self, segment: Sequence[str], index: int) -> int | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        if not value.lstrip("-").isdigit():
            self.error(segment, index, codes.ELEMENT_INVALID_CHARACTER, f"{value[:20]!r} is not an integer")
            return None
        return int(value)

    def date(self, segment: Sequence[str], index: int) -> dt.date | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.error(segment, index, codes.ELEMENT_INVALID_DATE, f"{value[:20]!r} is not a date")
            return None

    def time(self, segment: Sequence[str], index: int) -> dt.time | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        try:
            return parse_time(value)
        except ValueError:
            self.error(segment, index, codes.ELEMENT_INVALID_TIME, f"{value[:20]!r} is not a time")
            return None

    def components(self, value: str) -> list[str]:
        return value.split(self.delimiters.component)

    def extension(self, segment: Sequence[str]) -> Extension:
        component = self.delimiters.component
        return Extension.trusted(
            tag=segment[0], elements=tuple(tuple(e.split(component)) for e in segment[1:])
        )


class _At:
    """Context manager moving a Reader's position for a while (cheaper than a generator-based one)."""

    __slots__ = ("position", "reader", "saved")

    def __init__(self, reader: Reader, position: int) -> None:
        self.reader, self.position, self.saved = reader, position, reader.position

    def __enter__(self) -> None:
        self.reader.position = self.position

    def __exit__(self, *_: object) -> None:
        self.reader.position = self.saved
