"""EDIFACT service characters (UNA service string advice), hard limits and the tokenised ``Segment``.

Element and component positions are 1-based as in the UN/EDIFACT directories: ``seg.get(2, 1)`` is the
first component of the second data element after the tag.
"""

from __future__ import annotations

from dataclasses import dataclass

UNA_TAG = "UNA"
UNA_LENGTH = 9
TAG_LENGTH = 3
NO_REPETITION = " "
LEVEL_B_ELEMENT = "\x1d"


@dataclass(frozen=True, slots=True)
class ServiceChars:
    """The six UNA characters. ``repetition`` is a space when the interchange has none (syntax 1-3)."""

    component: str = ":"
    element: str = "+"
    decimal: str = "."
    release: str = "?"
    repetition: str = NO_REPETITION
    terminator: str = "'"

    def una(self) -> str:
        """The service string advice segment announcing these characters."""
        return (
            f"{UNA_TAG}{self.component}{self.element}{self.decimal}{self.release}"
            f"{self.repetition}{self.terminator}"
        )

    def delimiters(self) -> str:
        """The characters that must be released when they occur in data."""
        chars = [self.component, self.element, self.release, self.terminator]
        if self.repetition != NO_REPETITION:
            chars.append(self.repetition)
        return "".join(chars)

    def with_repetition(self, repetition: str) -> ServiceChars:
        return ServiceChars(
            self.component, self.element, self.decimal, self.release, repetition, self.terminator
        )


DEFAULT_CHARS = ServiceChars()
LEVEL_B_CHARS = ServiceChars("\x1f", "\x1d", ".", NO_REPETITION, NO_REPETITION, "\x1c")
SYNTAX4_DEFAULT_REPETITION = "*"
LEVEL_B_REPETITION = "\x19"


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits; anything larger is refused with ``EdifactLimitError`` before memory grows."""

    max_interchange_bytes: int = 512 * 1024 * 1024
    max_segment_chars: int = 64 * 1024
    max_elements: int = 256
    max_components: int = 128
    max_segments_per_message: int = 1_000_000
    max_messages: int = 1_000_000
    chunk_bytes: int = 16 * 1024


DEFAULT_LIMITS = Limits()


class Segment:
    """One tokenised segment: tag, elements as component lists, repeated occurrences when syntax 4."""

    __slots__ = ("elements", "index", "repeats", "tag")

    def __init__(
        self,
        tag: str,
        elements: list[list[str]],
        index: int,
        repeats: dict[int, list[list[str]]] | None = None,
    ) -> None:
        self.tag = tag
        self.elements = elements
        self.index = index
        self.repeats = repeats

    def get(self, element: int, component: int = 1) -> str:
        """A component value, '' when absent."""
        try:
            return self.elements[element - 1][component - 1]
        except IndexError:
            return ""

    def composite(self, element: int) -> list[str]:
        """All components of an element ([] when absent)."""
        return self.elements[element - 1] if element <= len(self.elements) else []

    def occurrences(self, element: int) -> list[list[str]]:
        """Every repetition of an element (syntax 4 repetition separator), the first one included."""
        if self.repeats and element in self.repeats:
            return self.repeats[element]
        comps = self.composite(element)
        return [comps] if comps else []

    def __repr__(self) -> str:
        return f"Segment({self.tag!r}, {self.elements!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Segment):
            return NotImplemented
        return (self.tag, self.elements, self.repeats or {}) == (
            other.tag,
            other.elements,
            other.repeats or {},
        )

    __hash__ = None  # type: ignore[assignment]
