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
    chunk_bytes: int = 4 * 1024
    """Bytes read and tokenised at a time. Small on purpose: a 4 KB chunk holds a few hundred segments,
    which are mapped and freed before the cyclic collector's youngest generation fills (700 objects), so
    it does not trace them again in older generations (measured: 10-15 % faster than 16 KB)."""


DEFAULT_LIMITS = Limits()


class Segment:
    """One tokenised segment: tag, elements as component lists, repeated occurrences when syntax 4.

    A segment from the tokeniser's fast path (no released characters, no repetition) keeps its element
    strings (``_parts``: the segment split at the element separator, tag first; ``_elements`` None) and
    splits them into components only when asked: ``get`` cuts the one component it returns,
    ``elements`` splits every element once and keeps the lists. Most segments are read with ``get`` and
    then dropped, so the tokeniser allocates one list per segment instead of one per element (less work,
    and far fewer objects for the cyclic garbage collector to count and scan).
    """

    __slots__ = ("_component", "_elements", "_parts", "index", "repeats", "tag")

    def __init__(
        self,
        tag: str,
        elements: list[list[str]],
        index: int,
        repeats: dict[int, list[list[str]]] | None = None,
    ) -> None:
        self.tag = tag
        self._elements: list[list[str]] | None = elements
        self._parts: list[str] | None = None
        self._component = ""
        self.index = index
        self.repeats = repeats

    @property
    def elements(self) -> list[list[str]]:
        """Every element as its list of components (split once, then kept)."""
        elements = self._elements
        if elements is None:
            parts, component = self._parts or [""], self._component
            elements = self._elements = [part.split(component) for part in parts[1:]]
            self._parts = None
        return elements

    @elements.setter
    def elements(self, elements: list[list[str]]) -> None:
        self._elements = elements
        self._parts = None

    def get(self, element: int, component: int = 1) -> str:
        """A component value, '' when absent."""
        parts = self._parts
        if parts is not None and element > 0:
            if element >= len(parts):
                return ""
            value = parts[element]
            if component == 1:
                return value.partition(self._component)[0]
            if component > 1:
                comps = value.split(self._component, component)
                return comps[component - 1] if len(comps) >= component else ""
        try:
            return self.elements[element - 1][component - 1]
        except IndexError:
            return ""

    def key(self, element: int) -> str | tuple[str, ...]:
        """A hashable value equal for two segments exactly when the element's components are equal (for
        the same component separator): the element text when unsplit, else the tuple of components."""
        parts = self._parts
        if parts is not None and element > 0:
            return parts[element] if element < len(parts) else ()
        elements = self.elements
        return tuple(elements[element - 1]) if 0 < element <= len(elements) else ()

    def content_key(self) -> tuple[object, ...]:
        """A hashable value equal for two segments exactly when their tags and elements are equal (for the
        same component separator; repetitions beyond the first are not part of it)."""
        parts = self._parts
        if parts is not None:
            return tuple(parts)
        return (self.tag, *map(tuple, self.elements))

    def composite(self, element: int) -> list[str]:
        """All components of an element ([] when absent)."""
        elements = self.elements
        return elements[element - 1] if element <= len(elements) else []

    def components(self, element: int) -> list[str]:
        """The components of one element ([] when absent), split afresh when the segment is unsplit (for
        reading only: the segment does not keep them)."""
        parts = self._parts
        if parts is not None and element > 0:
            return parts[element].split(self._component) if element < len(parts) else []
        elements = self.elements
        return elements[element - 1] if 0 < element <= len(elements) else []

    def size(self) -> int:
        """The number of elements after the tag."""
        parts = self._parts
        return len(parts) - 1 if parts is not None else len(self.elements)

    def first_values(self, first: int) -> list[str]:
        """The first component of every element from ``first`` on, blanks left out."""
        parts = self._parts
        if parts is not None and first > 0:
            component = self._component
            return [
                part.partition(component)[0] if component in part else part
                for part in parts[first:]
                if part and part[0] != component
            ]
        return [comps[0] for comps in self.elements[first - 1 :] if comps and comps[0]]

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
