"""Deviations between a purchase order and the partner's answer to it, computed from the canonical
documents alone: quantity, price and date changes, rejected lines, items the PO does not have, and
shipping more than was ordered. Each deviation is a plain JSON object (``type``, ``line``, ``expected``,
``actual``, ``detail``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from translators.canonical import (
    AckLine,
    Acknowledgement,
    AckStatus,
    DateKind,
    DateRef,
    ItemId,
    LineStatus,
    OrderLine,
    Price,
    PurchaseOrder,
    Quantity,
    ShipItem,
    ShipNotice,
    ShipOrder,
)

REJECTING = frozenset({LineStatus.REJECTED, LineStatus.DELETED})
REJECTED_ORDER = frozenset({AckStatus.REJECTED, AckStatus.REJECTED_NO_DETAIL})
DELIVERY_DATES = (DateKind.REQUESTED_DELIVERY, DateKind.DELIVER_NOT_AFTER)
SHIP_DATES = (DateKind.REQUESTED_SHIP, DateKind.SHIP_NOT_AFTER)
PROMISED: dict[DateKind, tuple[DateKind, ...]] = {
    DateKind.PROMISED_DELIVERY: DELIVERY_DATES,
    DateKind.ESTIMATED_DELIVERY: DELIVERY_DATES,
    DateKind.PROMISED_SHIP: SHIP_DATES,
    DateKind.SHIPPED: SHIP_DATES,
}


@dataclass(frozen=True)
class Deviation:
    type: str
    line: str | None
    expected: str | None = None
    actual: str | None = None
    detail: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None or k == "line"}


def _items(items: Iterable[ItemId]) -> set[tuple[str, str]]:
    return {(i.kind.value, i.value.strip()) for i in items}


def _find_line(po: PurchaseOrder, line_number: str | None, items: tuple[ItemId, ...]) -> OrderLine | None:
    """The PO line with the same line number (and, when both name items, a shared item), else the only
    line sharing an item."""
    wanted = _items(items)
    for line in po.lines:
        same_number = bool(
            line_number and line.line_number and line.line_number.strip() == line_number.strip()
        )
        if same_number and (not wanted or not line.items or wanted & _items(line.items)):
            return line
    sharing = [line for line in po.lines if wanted & _items(line.items)]
    return sharing[0] if len(sharing) == 1 else None


def _label(line: OrderLine | None, line_number: str | None, items: tuple[ItemId, ...]) -> str | None:
    if line is not None and line.line_number:
        return line.line_number
    return line_number or (items[0].value if items else None)


def _amount(price: Price | None) -> Decimal | None:
    return price.amount.amount if price is not None else None


def _price(po_line: OrderLine, actual: Price | None, label: str | None) -> list[Deviation]:
    ordered, given = _amount(po_line.unit_price), _amount(actual)
    if ordered is None or given is None or ordered == given:
        return []
    return [Deviation("price", label, str(ordered), str(given))]


def _quantity(
    ordered: Quantity, actual: Decimal, unit: str | None, label: str | None, kind: str
) -> list[Deviation]:
    if unit and ordered.unit and unit != ordered.unit:
        return [Deviation("unit", label, ordered.unit, unit)]
    if actual == ordered.value:
        return []
    return [Deviation(kind, label, str(ordered.value), str(actual))]


def _requested(po: PurchaseOrder, line: OrderLine, kinds: tuple[DateKind, ...]) -> DateRef | None:
    scheduled = [d for s in line.schedules for d in s.dates]
    for date in (*line.dates, *scheduled, *po.dates):
        if date.kind in kinds:
            return date
    return None


def _dates(
    po: PurchaseOrder, line: OrderLine, given: Iterable[DateRef], label: str | None
) -> list[Deviation]:
    found = []
    for date in given:
        requested = _requested(po, line, PROMISED.get(date.kind, ()))
        if requested is not None and requested.date != date.date:
            detail = f"{date.kind.value} vs {requested.kind.value}"
            found.append(Deviation("date", label, requested.date.isoformat(), date.date.isoformat(), detail))
    return found


def _ack_line(po: PurchaseOrder, ack_line: AckLine) -> list[Deviation]:
    line = _find_line(po, ack_line.line_number, ack_line.items)
    label = _label(line, ack_line.line_number, ack_line.items)
    if line is None:
        return [Deviation("unknown_item", label, detail="no PO line has this line number or item")]
    rejected = [s for s in ack_line.statuses if s.status in REJECTING]
    if rejected:
        return [Deviation("line_rejected", label, str(line.quantity.value), detail=rejected[0].status.value)]
    found: list[Deviation] = []
    counted = [s.quantity for s in ack_line.statuses if s.quantity is not None]
    if counted:
        total = sum((q.value for q in counted), Decimal(0))
        found += _quantity(line.quantity, total, counted[0].unit, label, "quantity")
    prices = [s.unit_price for s in ack_line.statuses if s.unit_price is not None]
    found += _price(line, prices[0] if prices else ack_line.unit_price, label)
    given = [s.date for s in ack_line.statuses if s.date is not None] + list(ack_line.dates)
    return found + _dates(po, line, given, label)


def acknowledgement_deviations(po: PurchaseOrder, ack: Acknowledgement) -> list[Deviation]:
    """What the acknowledgement changes or refuses of the PO, line by line."""
    found: list[Deviation] = []
    if ack.status in REJECTED_ORDER:
        found.append(Deviation("order_rejected", None, detail=ack.status.value))
    for ack_line in ack.lines:
        found += _ack_line(po, ack_line)
    return found


def _shipped(po: PurchaseOrder, notice: ShipNotice, po_number: str) -> dict[int, Decimal]:
    """Quantity shipped per PO line (by position) in one notice, for ``po_number``."""
    totals: dict[int, Decimal] = {}
    for item in _items_for(notice, po_number):
        line = _find_line(po, item.line_number, item.items)
        if line is not None:
            index = po.lines.index(line)
            totals[index] = totals.get(index, Decimal(0)) + item.shipped_quantity.value
    return totals


def _items_for(notice: ShipNotice, po_number: str) -> list[ShipItem]:
    return [i for o in notice.orders if (o.po_number or "").strip() == po_number for i in _order_items(o)]


def ship_notice_deviations(
    po: PurchaseOrder, notice: ShipNotice, po_number: str, earlier: Sequence[ShipNotice] = ()
) -> list[Deviation]:
    """Items of the notice shipped against ``po_number`` compared with the PO: unknown items, price, and
    more shipped than ordered, counting what ``earlier`` notices shipped against the same PO lines."""
    found: list[Deviation] = []
    seen: dict[int, ShipItem] = {}
    for item in _items_for(notice, po_number):
        line = _find_line(po, item.line_number, item.items)
        if line is None:
            label = _label(None, item.line_number, item.items)
            found.append(Deviation("unknown_item", label, actual=str(item.shipped_quantity.value)))
            continue
        seen.setdefault(po.lines.index(line), item)
        found += _price(line, item.unit_price, _label(line, item.line_number, item.items))
    before: dict[int, Decimal] = {}
    for other in earlier:
        for index, quantity in _shipped(po, other, po_number).items():
            before[index] = before.get(index, Decimal(0)) + quantity
    for index, total in _shipped(po, notice, po_number).items():
        found += _over_shipment(
            po.lines[index], before.get(index, Decimal(0)) + total, seen[index], len(earlier)
        )
    return found


def _over_shipment(line: OrderLine, total: Decimal, item: ShipItem, earlier: int) -> list[Deviation]:
    label = _label(line, item.line_number, item.items)
    unit = item.shipped_quantity.unit
    if unit and line.quantity.unit and unit != line.quantity.unit:
        return [Deviation("unit", label, line.quantity.unit, unit)]
    if total > line.quantity.value:
        detail = f"shipped in total over {earlier + 1} notices" if earlier else None
        return [Deviation("over_shipment", label, str(line.quantity.value), str(total), detail)]
    return []


def _order_items(order: ShipOrder) -> list[ShipItem]:
    found: list[ShipItem] = list(order.items)
    for pack in order.packs:
        found.extend(pack.items)
    for tare in order.tares:
        found.extend(tare.items)
        for pack in tare.packs:
            found.extend(pack.items)
    return found


def po_numbers(notice: ShipNotice) -> list[str]:
    """The PO numbers a ship notice ships against, in order, once each."""
    seen: dict[str, None] = {}
    for order in notice.orders:
        if order.po_number and order.po_number.strip():
            seen.setdefault(order.po_number.strip(), None)
    return list(seen)


@dataclass(frozen=True)
class LineLink:
    """One line of the answer (its line number, else its first item) and the PO line it matched (its line
    number, else ``#position``); ``po_line`` None when no PO line matches."""

    line: str | None
    po_line: str | None

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "po_line": self.po_line}


def _link(po: PurchaseOrder, line_number: str | None, items: tuple[ItemId, ...]) -> LineLink:
    line = _find_line(po, line_number, items)
    own = line_number or (items[0].value if items else None)
    if line is None:
        return LineLink(own, None)
    return LineLink(own, line.line_number or f"#{po.lines.index(line) + 1}")


def acknowledgement_links(po: PurchaseOrder, ack: Acknowledgement) -> list[LineLink]:
    return [_link(po, line.line_number, line.items) for line in ack.lines]


def ship_notice_links(po: PurchaseOrder, notice: ShipNotice, po_number: str) -> list[LineLink]:
    return [_link(po, item.line_number, item.items) for item in _items_for(notice, po_number)]
