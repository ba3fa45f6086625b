"""The DESADV CPS packing hierarchy as read: one ``Node`` per CPS with its packaging (PAC, MEA), labels
(PCI + GIN BJ = SSCC-18, other PCI marks), references, dates and LIN items; and the shape rules that turn
nodes into the canonical shipment -> order -> tare -> pack -> item tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from translators.canonical import DateRef, Extension, Mark, Measure, Pack, Reference, Tare
from translators.edifact.maps.common import validated

Doc = dict[str, Any]


class Node:
    """One CPS group."""

    __slots__ = (
        "children",
        "dates",
        "extensions",
        "id",
        "items",
        "marks",
        "measures",
        "parent",
        "references",
        "sscc",
        "tracking",
    )

    def __init__(self, node_id: str, parent: str) -> None:
        self.id = node_id
        self.parent = parent
        self.measures: list[Doc] = []
        self.marks: list[Doc] = []
        self.sscc: str | None = None
        self.tracking: str | None = None
        self.references: list[Doc] = []
        self.dates: list[Doc] = []
        self.items: list[tuple[str | None, Any]] = []
        self.extensions: list[Doc] = []
        self.children: list[Node] = []

    @property
    def packaged(self) -> bool:
        """Labelled as a package (SSCC, marks, tracking); PAC/MEA alone also describe a shipment."""
        return bool(self.marks or self.sscc or self.tracking)

    def all_items(self) -> list[tuple[str | None, Any]]:
        """Items of this node and, flattened, of every descendant."""
        found = list(self.items)
        for child in self.children:
            found.extend(child.all_items())
        return found

    def order_key(self, default: str | None) -> str | None:
        items = self.all_items() if self.children else self.items
        return items[0][0] if items and items[0][0] is not None else default


def link(nodes: list[Node]) -> list[Node]:
    """Attach children to parents; return the roots (nodes whose parent is absent or unknown)."""
    by_id = {node.id: node for node in nodes}
    roots = []
    for node in nodes:
        parent = by_id.get(node.parent) if node.parent and node.parent != node.id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    return roots


def to_pack(node: Node) -> Pack:
    """The node as a Pack: the read values validated one list at a time, the items already built."""
    marks, measures, references, dates, extensions = (
        node.marks,
        node.measures,
        node.references,
        node.dates,
        node.extensions,
    )
    items = node.items if not node.children else node.all_items()
    return Pack.trusted_fields(
        {
            "sscc": node.sscc,
            "tracking_number": node.tracking,
            "marks": validated(Mark, marks) if marks else (),
            "measures": validated(Measure, measures) if measures else (),
            "references": validated(Reference, references) if references else (),
            "dates": validated(DateRef, dates) if dates else (),
            "items": tuple([item for _, item in items]),
            "extensions": validated(Extension, extensions) if extensions else (),
        }
    )


def to_tare(node: Node) -> Tare:
    marks, measures, references, extensions = node.marks, node.measures, node.references, node.extensions
    return Tare.trusted_fields(
        {
            "sscc": node.sscc,
            "marks": validated(Mark, marks) if marks else (),
            "measures": validated(Measure, measures) if measures else (),
            "references": validated(Reference, references) if references else (),
            "packs": tuple([to_pack(child) for child in node.children]),
            "items": tuple([item for _, item in node.items]),
            "extensions": validated(Extension, extensions) if extensions else (),
        }
    )


@dataclass
class OrderParts:
    """What belongs to one order once the tree is shaped."""

    items: list[Any] = field(default_factory=list)
    tares: list[Tare] = field(default_factory=list)
    packs: list[Pack] = field(default_factory=list)


def shape(roots: list[Node], default_order: str | None) -> tuple[dict[str | None, OrderParts], list[Doc]]:
    """Group the tree by order number; a shipment-level root gives its measures to the shipment."""
    orders: dict[str | None, OrderParts] = {}
    shipment_measures: list[Doc] = []

    def parts(key: str | None) -> OrderParts:
        return orders.setdefault(key, OrderParts())

    for root in roots:
        if root.children or not root.packaged:
            shipment_measures.extend(root.measures)
            for key, item in root.items:
                parts(key or default_order).items.append(item)
            for child in root.children:
                key = child.order_key(default_order)
                if child.children:
                    parts(key).tares.append(to_tare(child))
                else:
                    parts(key).packs.append(to_pack(child))
        else:
            parts(root.order_key(default_order)).packs.append(to_pack(root))
    return orders, shipment_measures
