"""X12 856 Ship Notice/Manifest <-> canonical ShipNotice.

HL levels S (shipment), O (order), T (tare), P (pack) and I (item) are read into the physical tree
whatever layout the partner used (SOI, SOPI, SOTPI, pick-and-pack); a missing HL02 parent is inferred
from the levels seen so far. HL levels the canonical model has no place for are kept, with their
segments, in the extensions of the nearest level above.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from translators.canonical import ShipNotice
from translators.errors import SegmentError
from translators.x12 import codes
from translators.x12.maps.area import Area
from translators.x12.maps.asn_levels import LEVEL_RANK, build_notice, read_level_segment
from translators.x12.maps.context import Reader, el
from translators.x12.maps.segments import Segment

HL_ID, HL_PARENT, HL_LEVEL = 1, 2, 3
CTT_LINES = 1


@dataclass(slots=True)
class HlNode:
    """One HL level being read."""

    level: str
    segment: Segment
    position: int
    area: Area = field(default_factory=Area)
    specific: dict[str, list[Segment]] = field(default_factory=dict)
    children: list[HlNode] = field(default_factory=list)


class ShipNoticeReader:
    """Reads the body of one 856 in a single pass."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.bsn: Segment | None = None
        self.bsn_position = 0
        self.top = HlNode("", ["HL"], 1)
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
                read_level_segment(r, self.current.level, self.current.area, self.current.specific, segment)
        if self.bsn is None:
            return None
        return build_notice(r, (self.bsn, self.bsn_position), self.top, self.line_count)

    def open(self, segment: Segment) -> None:
        level = el(segment, HL_LEVEL)
        rank = LEVEL_RANK.get(level)
        parent = self.parent_of(segment, rank)
        if parent.level == "S" and level in ITEM_HOLDERS:
            parent = self.implicit_order(parent)
        if rank is None or not _allowed(parent.level, level):
            self.collapse(segment, parent)
            return
        node = HlNode(level, segment, self.r.position)
        parent.children.append(node)
        self.by_id[el(segment, HL_ID)] = node
        self.remember(rank, node)
        self.current = node

    def remember(self, rank: int, node: HlNode) -> None:
        self.last_by_rank[rank] = node
        for deeper in [k for k in self.last_by_rank if k > rank]:
            del self.last_by_rank[deeper]

    def collapse(self, segment: Segment, parent: HlNode) -> None:
        """A level the canonical tree has no place for here (unknown code, or e.g. a pack under an item):
        it and its segments are kept verbatim in the extensions of the level above, and its children
        attach to that level."""
        parent.area.keep(self.r.extension(segment))
        self.by_id[el(segment, HL_ID)] = parent
        self.current = HlNode("?", segment, self.r.position, area=parent.area)

    def implicit_order(self, shipment: HlNode) -> HlNode:
        """Tares, packs or items straight under the shipment belong to one order without a PRF."""
        for child in shipment.children:
            if child.level == "O" and child.segment is IMPLICIT:
                return child
        order = HlNode("O", IMPLICIT, self.r.position)
        shipment.children.append(order)
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


IMPLICIT: Segment = ["HL"]
ITEM_HOLDERS = frozenset({"T", "P", "I"})
ALLOWED_CHILDREN = {"": {"S"}, "S": {"O"}, "O": {"T", "P", "I"}, "T": {"P", "I"}, "P": {"I"}, "I": set[str]()}


def _allowed(parent: str, child: str) -> bool:
    return child in ALLOWED_CHILDREN.get(parent, set())


def read_856(r: Reader, segments: Iterable[Segment]) -> ShipNotice | None:
    return ShipNoticeReader(r).read(segments)
