"""Reading context of one transaction set: the current segment position and typed element readers that
record a located AK4/IK4 error instead of raising, so one bad value never hides the others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from translators.canonical import Extension
from translators.errors import ElementError, Location, TranslatorError
from translators.x12 import codes
from translators.x12.envelope import SetHeader
from translators.x12.lexer import Delimiters

MAX_MAP_ERRORS = 1000
CENTURY_PIVOT = 50


def el(segment: list[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""


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

    def error(self, segment: list[str], index: int, code: str, message: str) -> None:
        if len(self.errors) < MAX_MAP_ERRORS:
            self.errors.append(ElementError(message, self.location(segment[0], index), code))

    def text(self, segment: list[str], index: int) -> str | None:
        return (segment[index] if index < len(segment) else "") or None

    def required(self, segment: list[str], index: int) -> str:
        value = segment[index] if index < len(segment) else ""
        if not value:
            self.error(
                segment, index, codes.ELEMENT_MANDATORY_MISSING, f"{segment[0]}{index:02d} is required"
            )
        return value

    def decimal(self, segment: list[str], index: int, implied: int = 0) -> Decimal | None:
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

    def integer(self, segment: list[str], index: int) -> int | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        if not value.lstrip("-").isdigit():
            self.error(segment, index, codes.ELEMENT_INVALID_CHARACTER, f"{value[:20]!r} is not an integer")
            return None
        return int(value)

    def date(self, segment: list[str], index: int) -> dt.date | None:
        value = segment[index] if index < len(segment) else ""
        if not value:
            return None
        try:
            return parse_date(value)
        except ValueError:
            self.error(segment, index, codes.ELEMENT_INVALID_DATE, f"{value[:20]!r} is not a date")
            return None

    def time(self, segment: list[str], index: int) -> dt.time | None:
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

    def extension(self, segment: list[str]) -> Extension:
        component = self.delimiters.component
        return Extension(tag=segment[0], elements=tuple(tuple(e.split(component)) for e in segment[1:]))


class _At:
    """Context manager moving a Reader's position for a while (cheaper than a generator-based one)."""

    __slots__ = ("position", "reader", "saved")

    def __init__(self, reader: Reader, position: int) -> None:
        self.reader, self.position, self.saved = reader, position, reader.position

    def __enter__(self) -> None:
        self.reader.position = self.position

    def __exit__(self, *_: object) -> None:
        self.reader.position = self.saved
