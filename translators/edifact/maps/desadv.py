"""DESADV <-> ShipNotice.

Header: BGM (351, 1004 shipment id, 1225), DTM (137 = notice date and time), MEA, RFF (ON = the order,
DTM+171 its date; RE = release), NAD + CTA/COM, TDT, TOD + LOC, EQD, FTX. Detail: the CPS hierarchy
(see ``desadv_tree``) with PAC/MEA, PCI + GIN (BJ = SSCC-18), RFF, DTM and LIN/PIA/IMD/QTY (12 shipped,
21 ordered)/RFF/DTM/FTX items whose PCI + GIN carry lots (BX, DTM+36 expiry) and serial numbers (BN).
A line-level RFF+ON assigns an item (and its package) to an order when one DESADV ships several.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from translators.canonical import (
    DateKind,
    Extension,
    Lot,
    Note,
    Reference,
    ReferenceKind,
    ShipItem,
    ShipNotice,
)
from translators.edifact.maps import codes, terms
from translators.edifact.maps.common import (
    RFF_ORDER,
    Doc,
    OrderReferences,
    Reader,
    extension,
    read_dtm,
    read_ftx,
    read_imd,
    read_rff,
    validated,
    without_empty,
)
from translators.edifact.maps.desadv_tree import Node, OrderParts, link, shape
from translators.edifact.maps.values import SharedValues
from translators.edifact.messages import RawMessage
from translators.edifact.syntax import Segment

BGM_NUMBER, BGM_FUNCTION = 2, 3
CPS_ID, CPS_PARENT = 1, 2
PAC_COUNT, PAC_TYPE = 1, 3
MEA_PROPERTY, MEA_VALUE = 2, 3
MEA_VOLUME = "AAW"
PCI_MARKING, PCI_MARKS = 1, 2
GIN_QUALIFIER, GIN_FIRST = 1, 2
EQD_TYPE, EQD_ID, EQD_INITIAL = 1, 2, 2
PARTY_GROUP = frozenset({"LOC", "FII", "DOC", "CTA", "COM", "RFF"})
UNSET: Any = object()
ITEM_ENDS = frozenset({"CPS", "LIN", "UNS", "CNT"})
"""Segments that end an open LIN group (any other segment belongs to it)."""


def read_mea(r: Reader, seg: Segment, measure: Doc | None) -> Doc:
    value = r.decimal(seg, MEA_VALUE, 2)
    quantity = {"value": value, "unit": seg.get(MEA_VALUE, 1) or None} if value is not None else None
    base = measure if measure is not None else {}
    if seg.get(MEA_PROPERTY, 1) == MEA_VOLUME:
        base["volume"] = quantity
    else:
        base.update(weight=quantity, weight_qualifier=seg.get(MEA_PROPERTY, 1) or None)
    return base


class DesadvReader(OrderReferences):
    """One pass over a DESADV body; ``context`` names the open group, ``node``/``item`` the CPS and LIN."""

    def __init__(self, message: RawMessage, values: SharedValues | None = None) -> None:
        self.r = Reader(message)
        self.values = values if values is not None else SharedValues()
        self.head: dict[str, Any] = {}
        self.lists: dict[str, list[Any]] = {
            k: []
            for k in (
                "measures",
                "carriers",
                "equipment",
                "fob",
                "references",
                "dates",
                "parties",
                "notes",
                "extensions",
            )
        }
        self.order: dict[str, Any] = {}
        self.nodes: list[Node] = []
        self.item: _Item | None = None
        self.context = ""

    @property
    def order_fields(self) -> Doc:
        return self.order

    def read(self) -> ShipNotice:
        feed, in_item, ends = self.feed, ITEM_SEGMENTS.get, ITEM_ENDS
        for seg in self.r.message.body:
            item = self.item
            if item is not None and seg.tag not in ends:
                (in_item(seg.tag) or _item_other)(self, item, seg)
            else:
                feed(seg)
        self._close_item()
        if "shipment_id" not in self.head:
            raise self.r.missing("BGM")
        if "notice_date" not in self.head:
            self._notice_date_fallback()
        return self._build()

    def _notice_date_fallback(self) -> None:
        """Without DTM+137 the despatch date (DTM+11), else the first header date, dates the notice."""
        dates = self.lists["dates"]
        chosen = next((d for d in dates if d["kind"] is DateKind.SHIPPED), dates[0] if dates else None)
        if chosen is None:
            raise self.r.missing("DTM+137")
        self.head.update(notice_date=chosen["date"], notice_time=chosen["time"])

    def _build(self) -> ShipNotice:
        orders, shipment_measures = shape(link(self.nodes), self.order.get("po_number"))
        if not orders:
            orders[self.order.get("po_number")] = OrderParts()
        ship_orders = []
        for key, parts in orders.items():
            extra = self.order if key == self.order.get("po_number") else {"po_number": key}
            ship_orders.append({**extra, "items": parts.items, "tares": parts.tares, "packs": parts.packs})
        lists = {**self.lists, "measures": self.lists["measures"] + shipment_measures}
        return ShipNotice.model_validate({**self.head, **without_empty(lists), "orders": ship_orders})

    def feed(self, seg: Segment) -> None:
        tag, item = seg.tag, self.item
        if item is not None and tag not in ITEM_ENDS:
            self._item_segment(item, seg)
        elif tag == "CPS":
            if item is not None:
                self._close_item()
            self.nodes.append(Node(seg.get(CPS_ID), seg.get(CPS_PARENT)))
            self.context = "CPS"
        elif tag == "LIN" and self.nodes:
            self._open_item(seg)
        elif tag in ("UNS", "CNT") and self.context != "UNS":
            self._close_item()
            self.context = "UNS"
            if tag == "CNT":
                self.feed(seg)
        elif self.context == "UNS":
            if tag == "CNT" and seg.get(1, 1) == codes.CNT_LINES:
                self.head["line_count"] = self.r.integer(seg, 1, 2)
            else:
                self.lists["extensions"].append(extension(seg))
        elif self.item is not None:
            self._item_segment(self.item, seg)
        elif self.nodes:
            self._node_segment(self.nodes[-1], seg)
        else:
            self._header(seg)

    def _in_group(self, seg: Segment) -> bool:
        tag, lists = seg.tag, self.lists
        if self.context == "NAD" and tag in PARTY_GROUP:
            self._party_detail(seg)
        elif self.context in ("RFF", "RFF-ON") and tag == "DTM":
            self._reference_date(seg)
        elif self.context == "TOD" and tag == "LOC":
            terms.amend_tod(lists["fob"][-1], seg)
        elif tag == "SEL" and self.context == "EQD":
            lists["equipment"][-1]["seal_numbers"].append(seg.get(1))
        else:
            return False
        return True

    def _header(self, seg: Segment) -> None:
        tag, lists, r = seg.tag, self.lists, self.r
        if self._in_group(seg):
            return
        self.context = tag
        if tag == "BGM":
            purpose, purpose_code = codes.PURPOSE.read(seg.get(BGM_FUNCTION) or "9")
            self.head.update(
                shipment_id=r.require(seg, BGM_NUMBER), purpose=purpose, purpose_code=purpose_code
            )
        elif tag == "DTM" and (date := read_dtm(r, seg)) is not None:
            if (
                date["kind"] is DateKind.DOCUMENT
                and date["qualifier"] is None
                and "notice_date" not in self.head
            ):
                self.head.update(notice_date=date["date"], notice_time=date["time"])
            else:
                lists["dates"].append(date)
        elif tag == "MEA":
            lists["measures"].append(read_mea(r, seg, None))
        elif tag == "RFF":
            self._reference(seg)
        elif tag == "NAD":
            lists["parties"].append(self.values.party(seg))
        elif tag in HEADER_READERS:
            field, reader = HEADER_READERS[tag]
            lists[field].append(reader(seg))
        elif tag == "EQD":
            lists["equipment"].append(_equipment(seg))
        else:
            self.context = ""
            lists["extensions"].append(extension(seg))

    def _node_segment(self, node: Node, seg: Segment) -> None:
        tag, r = seg.tag, self.r
        if tag == "PAC":
            node.measures.append(
                {"lading_quantity": r.integer(seg, PAC_COUNT), "packaging_code": seg.get(PAC_TYPE) or None}
            )
        elif tag == "MEA":
            last = node.measures.pop() if node.measures else None
            node.measures.append(read_mea(r, seg, last))
        elif tag == "PCI":
            self.context = "PCI-SSCC" if seg.get(PCI_MARKING) == codes.PCI_SSCC else "PCI"
            if seg.get(PCI_MARKS):
                node.marks.append({"qualifier": seg.get(PCI_MARKING), "value": seg.get(PCI_MARKS)})
        elif tag == "GIN" and seg.get(GIN_QUALIFIER) == codes.GIN_SSCC and node.sscc is None:
            node.sscc = seg.get(GIN_FIRST)
        elif tag == "RFF":
            ref = read_rff(seg)
            if ref["kind"] is ReferenceKind.TRACKING and ref["qualifier"] is None and node.tracking is None:
                node.tracking = ref["value"]
            else:
                node.references.append(ref)
        elif tag == "DTM" and (date := read_dtm(r, seg)) is not None:
            node.dates.append(date)
        else:
            node.extensions.append(extension(seg))

    def _open_item(self, seg: Segment) -> None:
        self._close_item()
        self.item = _Item(seg, self.values.item_ids(seg, 3))
        self.context = "LIN"

    def _item_segment(self, item: _Item, seg: Segment) -> None:
        (ITEM_SEGMENTS.get(seg.tag) or _item_other)(self, item, seg)

    def _close_item(self) -> None:
        item, self.item = self.item, None
        if item is None:
            return
        shipped = item.shipped
        if shipped is None or shipped is UNSET:
            raise self.r.missing("QTY+12", item.segment)
        self.nodes[-1].items.append((item.order, item.build(shipped)))


class _Item:
    """Mutable collector for one LIN group of the CPS hierarchy: the values every item has in slots, the
    rarer ones as plain fields in ``lists`` (made on first use, validated per value when the item closes)."""

    __slots__ = (
        "items",
        "lists",
        "lots",
        "order",
        "ordered",
        "segment",
        "serial_numbers",
        "shipped",
        "unit_price",
    )

    def __init__(self, seg: Segment, items: list[Any]) -> None:
        self.segment = seg
        self.items = items
        self.order: str | None = None
        self.shipped: Any = UNSET
        self.ordered: Any = UNSET
        self.unit_price: Any = UNSET
        self.lots: list[Doc] = []
        self.serial_numbers: list[str] = []
        self.lists: dict[str, list[Any]] | None = None

    def more(self, field: str) -> list[Any]:
        """The list of a rarer field (descriptions, dates, references, notes, extensions), made on first
        use."""
        lists = self.lists
        if lists is None:
            lists = self.lists = {}
        found = lists.get(field)
        if found is None:
            found = lists[field] = []
        return found

    def build(self, shipped: Any) -> ShipItem:
        seg, lists = self.segment, self.lists
        descriptions: tuple[Any, ...] = ()
        dates: tuple[Any, ...] = ()
        references = notes = extensions = ()
        if lists:
            descriptions = tuple(lists.get("descriptions", ()))
            dates = tuple(lists.get("dates", ()))
            references = validated(Reference, lists.get("references"))
            notes = validated(Note, lists.get("notes"))
            extensions = validated(Extension, lists.get("extensions"))
        lot = Lot.trusted_fields
        ordered, unit_price = self.ordered, self.unit_price
        return ShipItem.trusted_fields(
            {
                "line_number": seg.get(1) or None,
                "items": tuple(self.items),
                "shipped_quantity": shipped,
                "ordered_quantity": ordered if ordered is not UNSET else None,
                "status_code": seg.get(2) or None,
                "unit_price": unit_price if unit_price is not UNSET else None,
                "descriptions": descriptions,
                "lots": tuple([lot(fields) for fields in self.lots]),
                "serial_numbers": tuple(self.serial_numbers),
                "dates": dates,
                "references": references,
                "notes": notes,
                "extensions": extensions,
            }
        )


ItemSegment = Callable[[DesadvReader, _Item, Segment], None]


def _item_other(d: DesadvReader, item: _Item, seg: Segment) -> None:
    item.more("extensions").append(extension(seg))


def _item_pci(d: DesadvReader, item: _Item, seg: Segment) -> None:
    """PCI opens the marking group of a line (lots, serial numbers); its own marks are kept verbatim."""
    d.context = "PCI"
    if seg.get(PCI_MARKS):
        _item_other(d, item, seg)


def _item_gin(d: DesadvReader, item: _Item, seg: Segment) -> None:
    """GIN BX lots, GIN BN serial numbers."""
    d.context = "PCI"
    qualifier = seg.get(GIN_QUALIFIER)
    if qualifier == codes.GIN_BATCH:
        lots = [{"number": v, "quantity": None, "expiry": None} for v in seg.first_values(GIN_FIRST)]
        item.lots.extend(lots)
    elif qualifier == codes.GIN_SERIAL:
        item.serial_numbers.extend(seg.first_values(GIN_FIRST))
    else:
        _item_other(d, item, seg)


def _item_dtm(d: DesadvReader, item: _Item, seg: Segment) -> None:
    """In the marking group DTM+36 is the expiry of the last lot; otherwise a date of the line."""
    if d.context == "PCI":
        if item.lots and seg.get(1, 1) == "36":
            date = d.values.date(d.r, seg)
            item.lots[-1]["expiry"] = date.date if date else None
        else:
            _item_other(d, item, seg)
    elif (date := d.values.date(d.r, seg)) is not None:
        item.more("dates").append(date)
    else:
        _item_other(d, item, seg)


def _item_qty(d: DesadvReader, item: _Item, seg: Segment) -> None:
    qualifier, quantity = seg.get(1, 1), d.values.quantity(d.r, seg)
    if qualifier == codes.QTY_DESPATCHED and item.shipped is UNSET:
        item.shipped = quantity
    elif qualifier == codes.QTY_ORDERED and item.ordered is UNSET:
        item.ordered = quantity
    elif d.context == "PCI" and item.lots and item.lots[-1]["quantity"] is None:
        item.lots[-1]["quantity"] = quantity
    else:
        _item_other(d, item, seg)


def _item_pia(d: DesadvReader, item: _Item, seg: Segment) -> None:
    item.items.extend(d.values.item_ids(seg, 2, 5))


def _item_imd(d: DesadvReader, item: _Item, seg: Segment) -> None:
    text = read_imd(seg)
    if text:
        item.more("descriptions").append(text)
    else:
        _item_other(d, item, seg)


def _item_pri(d: DesadvReader, item: _Item, seg: Segment) -> None:
    if item.unit_price is UNSET:
        item.unit_price = d.values.price(d.r, seg, None)
    else:
        _item_other(d, item, seg)


def _item_rff(d: DesadvReader, item: _Item, seg: Segment) -> None:
    """RFF+ON assigns the line (and its package) to an order; other references are kept."""
    if seg.get(1, 1) == RFF_ORDER and item.order is None:
        item.order = seg.get(1, 2)
    else:
        item.more("references").append(read_rff(seg))


def _item_ftx(d: DesadvReader, item: _Item, seg: Segment) -> None:
    item.more("notes").append(read_ftx(seg))


ITEM_SEGMENTS: dict[str, ItemSegment] = {
    "PCI": _item_pci,
    "GIN": _item_gin,
    "DTM": _item_dtm,
    "QTY": _item_qty,
    "PIA": _item_pia,
    "IMD": _item_imd,
    "PRI": _item_pri,
    "RFF": _item_rff,
    "FTX": _item_ftx,
}
"""What each segment of an open LIN group does; any other segment is kept as an extension."""


def _equipment(seg: Segment) -> Doc:
    return {
        "type_code": seg.get(EQD_TYPE) or None,
        "number": seg.get(EQD_ID),
        "initial": seg.get(EQD_ID, EQD_INITIAL) or None,
        "seal_numbers": [],
    }


HEADER_READERS: dict[str, tuple[str, Any]] = {
    "FTX": ("notes", read_ftx),
    "TDT": ("carriers", terms.read_tdt),
    "TOD": ("fob", terms.read_tod),
}


def desadv_to_asn(message: RawMessage, values: SharedValues | None = None) -> ShipNotice:
    """Translate one DESADV message; ``values`` shares repeated value objects across messages."""
    return DesadvReader(message, values).read()
