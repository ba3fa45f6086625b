"""X12 856 Ship Notice/Manifest <-> canonical ShipNotice.

HL levels S (shipment), O (order), T (tare), P (pack) and I (item) are read into the physical tree
whatever layout the partner used (SOI, SOPI, SOTPI, pick-and-pack); a missing HL02 parent is inferred
from the levels seen so far. HL levels the canonical model has no place for are kept, with their
segments, in the extensions of the nearest level above.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from translators.canonical import ShipNotice
from translators.errors import SegmentError
from translators.x12 import codes
from translators.x12.maps.area import Area
from translators.x12.maps.asn_levels import LEVEL_RANK, build_notice, read_level_segment
from translators.x12.maps.context import Reader, el
from translators.x12.maps.segments import Segment

HL_ID, HL_PARENT, HL_LEVEL = 1, 2, 3
CTT_LINES = 1


class HlNode:
    """One HL level being read. Its area, level-specific segments and children are created when first
    needed (most item levels of a large 856 have no segment that needs an area), and the segments it
    keeps until the tree is built are tuples, which the garbage collector stops tracing."""

    __slots__ = ("_area", "children", "implicit", "level", "position", "specific")

    def __init__(self, level: str, position: int, area: Area | None = None, implicit: bool = False) -> None:
        self.level, self.position, self._area, self.implicit = level, position, area, implicit
        self.specific: list[tuple[str, Kept]] | None = None
        self.children: list[HlNode] | None = None

    @property
    def area(self) -> Area:
        area = self._area
        if area is None:
            area = self._area = Area()
        return area

    def groups(self) -> dict[str, tuple[Any, ...]]:
        """The area's values by kind (empty when the level had none)."""
        return self._area.groups() if self._area is not None else NO_GROUPS

    def keep(self, key: str, segment: Segment) -> None:
        if self.specific is None:
            self.specific = [(key, tuple(segment))]
        else:
            self.specific.append((key, tuple(segment)))

    def item_key(self) -> tuple[object, ...] | None:
        """What an item level's value depends on when it has only level-specific segments (None when
        it also has an area: dates, references, notes or extensions)."""
        if self._area is not None or self.specific is None:
            return None
        return ("HL item", *self.specific)

    def first(self, key: str) -> Kept | None:
        for found, segment in self.specific or ():
            if found == key:
                return segment
        return None

    def all(self, key: str) -> list[Kept]:
        return [segment for found, segment in self.specific or () if found == key]

    def by_key(self) -> dict[str, list[Kept]]:
        """The kept segments grouped by key, in one pass."""
        grouped: dict[str, list[Kept]] = {}
        for key, segment in self.specific or ():
            found = grouped.get(key)
            if found is None:
                grouped[key] = [segment]
            else:
                found.append(segment)
        return grouped

    def add_child(self, node: HlNode) -> None:
        if self.children is None:
            self.children = [node]
        else:
            self.children.append(node)

    def children_at(self, level: str) -> list[HlNode]:
        return [child for child in self.children if child.level == level] if self.children else []


Kept = tuple[str, ...]
NO_GROUPS: dict[str, tuple[Any, ...]] = {}


class ShipNoticeReader:
    """Reads the body of one 856 in a single pass."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.bsn: Segment | None = None
        self.bsn_position = 0
        self.top = HlNode("", 1)
        self.current = self.top
        self.by_id: dict[str, HlNode] = {}
        self.last_by_rank: dict[int, HlNode] = {}
        self.line_count: int | None = None

    def read(self, segments: Iterable[Segment]) -> ShipNotice | None:
        r = self.r
        for segment in segments:
            r.position += 1
            tag = segment[0]
            if tag == "HL":
                self.open(segment)
            elif tag == "BSN" and self.bsn is None:
                self.bsn, self.bsn_position = segment, r.position
            elif tag == "CTT":
                self.line_count = r.integer(segment, CTT_LINES)
            else:
                read_level_segment(r, self.current, segment)
        if self.bsn is None:
            return None
        return build_notice(r, (self.bsn, self.bsn_position), self.top, self.line_count)

    def open(self, segment: Segment) -> None:
        level = segment[HL_LEVEL] if len(segment) > HL_LEVEL else ""
        rank = LEVEL_RANK.get(level)
        parent = self.parent_of(segment, rank)
        if parent.level == "S" and level in ITEM_HOLDERS:
            parent = self.implicit_order(parent)
        if rank is None or level not in ALLOWED_CHILDREN.get(parent.level, NO_CHILDREN):
            self.collapse(segment, parent)
            return
        node = HlNode(level, self.r.position)
        if parent.children is None:
            parent.children = [node]
        else:
            parent.children.append(node)
        self.by_id[segment[HL_ID] if len(segment) > HL_ID else ""] = node
        self.remember(rank, node)
        self.current = node

    def remember(self, rank: int, node: HlNode) -> None:
        last = self.last_by_rank
        last[rank] = node
        for deeper in DEEPER_RANKS[rank]:
            if deeper in last:
                del last[deeper]

    def collapse(self, segment: Segment, parent: HlNode) -> None:
        """A level the canonical tree has no place for here (unknown code, or e.g. a pack under an item):
        it and its segments are kept verbatim in the extensions of the level above, and its children
        attach to that level."""
        parent.area.keep(self.r.extension(segment))
        self.by_id[el(segment, HL_ID)] = parent
        self.current = HlNode("?", self.r.position, area=parent.area)

    def implicit_order(self, shipment: HlNode) -> HlNode:
        """Tares, packs or items straight under the shipment belong to one order without a PRF."""
        for child in shipment.children_at("O"):
            if child.implicit:
                return child
        order = HlNode("O", self.r.position, implicit=True)
        shipment.add_child(order)
        self.remember(LEVEL_RANK["O"], order)
        return order

    def parent_of(self, segment: Segment, rank: int | None) -> HlNode:
        parent_id = el(segment, HL_PARENT)
        if parent_id:
            parent = self.by_id.get(parent_id)
            if parent is None:
                self.error(segment, f"HL02 parent {parent_id!r} not found")
                return self.top
            return parent
        above = [k for k in self.last_by_rank if rank is None or k < rank]
        return self.last_by_rank[max(above)] if above else self.top

    def error(self, segment: Segment, message: str) -> None:
        location = self.r.location(segment[0])
        self.r.errors.append(SegmentError(message, location, codes.SEGMENT_UNEXPECTED))


ITEM_HOLDERS = frozenset({"T", "P", "I"})
ALLOWED_CHILDREN = {"": {"S"}, "S": {"O"}, "O": {"T", "P", "I"}, "T": {"P", "I"}, "P": {"I"}, "I": set[str]()}
NO_CHILDREN = frozenset[str]()
DEEPER_RANKS = {rank: tuple(r for r in LEVEL_RANK.values() if r > rank) for rank in LEVEL_RANK.values()}


def read_856(r: Reader, segments: Iterable[Segment]) -> ShipNotice | None:
    return ShipNoticeReader(r).read(segments)
