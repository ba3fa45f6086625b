"""DESADV <-> ShipNotice.

Header: BGM (351, 1004 shipment id, 1225), DTM (137 = notice date and time), MEA, RFF (ON = the order,
DTM+171 its date; RE = release), NAD + CTA/COM, TDT, TOD + LOC, EQD, FTX. Detail: the CPS hierarchy
(see ``desadv_tree``) with PAC/MEA, PCI + GIN (BJ = SSCC-18), RFF, DTM and LIN/PIA/IMD/QTY (12 shipped,
21 ordered)/RFF/DTM/FTX items whose PCI + GIN carry lots (BX, DTM+36 expiry) and serial numbers (BN).
A line-level RFF+ON assigns an item (and its package) to an order when one DESADV ships several.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from translators.canonical import (
    DateKind,
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
    item_ids,
    read_dtm,
    read_ftx,
    read_imd,
    read_nad,
    read_pri,
    read_qty,
    read_rff,
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
ITEM_LISTS = ("items", "descriptions", "lots", "serial_numbers", "dates", "references", "notes", "extensions")


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
        self.values = values
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
        self.item: dict[str, Any] | None = None
        self.context = ""

    @property
    def order_fields(self) -> Doc:
        return self.order

    def read(self) -> ShipNotice:
        feed = self.feed
        for seg in self.r.message.body:
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
        notice = ShipNotice.model_validate({**self.head, **without_empty(lists), "orders": ship_orders})
        values = self.values
        if values is not None and values.missed():
            _learn(values, zip(_item_fields(ship_orders), notice.all_items(), strict=False))
        return notice

    def feed(self, seg: Segment) -> None:
        tag = seg.tag
        if tag == "CPS":
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
        item: dict[str, Any] = {k: [] for k in ITEM_LISTS}
        item.update(line_number=seg.get(1) or None, status_code=seg.get(2) or None, order=None, segment=seg)
        item["items"].extend(item_ids(seg, 3))
        self.item = item
        self.context = "LIN"

    def _item_segment(self, item: dict[str, Any], seg: Segment) -> None:
        tag, r = seg.tag, self.r
        if tag in ("PCI", "GIN") or (tag == "DTM" and self.context == "PCI"):
            self._item_marking(item, seg)
        elif tag == "QTY":
            self._item_qty(item, seg)
        elif tag == "PIA":
            item["items"].extend(item_ids(seg, 2, 5))
        elif tag == "IMD" and (text := read_imd(seg)):
            item["descriptions"].append(text)
        elif tag == "PRI" and "unit_price" not in item:
            item["unit_price"] = read_pri(r, seg, None)
        elif tag == "RFF" and seg.get(1, 1) == RFF_ORDER and item["order"] is None:
            item["order"] = seg.get(1, 2)
        elif tag == "RFF":
            item["references"].append(read_rff(seg))
        elif tag == "FTX":
            item["notes"].append(read_ftx(seg))
        elif tag == "DTM" and (date := read_dtm(r, seg)) is not None:
            item["dates"].append(date)
        else:
            item["extensions"].append(extension(seg))

    def _item_qty(self, item: dict[str, Any], seg: Segment) -> None:
        qualifier, quantity = seg.get(1, 1), read_qty(self.r, seg)
        if qualifier == codes.QTY_DESPATCHED and "shipped_quantity" not in item:
            item["shipped_quantity"] = quantity
        elif qualifier == codes.QTY_ORDERED and "ordered_quantity" not in item:
            item["ordered_quantity"] = quantity
        elif self.context == "PCI" and item["lots"] and item["lots"][-1].get("quantity") is None:
            item["lots"][-1]["quantity"] = quantity
        else:
            item["extensions"].append(extension(seg))

    def _item_marking(self, item: dict[str, Any], seg: Segment) -> None:
        """PCI group of a line: GIN BX lots (DTM+36 expiry, QTY), GIN BN serial numbers."""
        self.context = "PCI"
        tag = seg.tag
        qualifier = seg.get(GIN_QUALIFIER) if tag == "GIN" else None
        if qualifier == codes.GIN_BATCH:
            item["lots"].extend({"number": v} for v in _gin_values(seg))
        elif qualifier == codes.GIN_SERIAL:
            item["serial_numbers"].extend(_gin_values(seg))
        elif tag == "DTM" and item["lots"] and seg.get(1, 1) == "36":
            date = read_dtm(self.r, seg)
            item["lots"][-1]["expiry"] = date["date"] if date else None
        elif tag != "PCI" or seg.get(PCI_MARKS):
            item["extensions"].append(extension(seg))

    def _close_item(self) -> None:
        item, self.item = self.item, None
        if item is None:
            return
        segment, order = item.pop("segment"), item.pop("order")
        if item.get("shipped_quantity") is None:
            raise self.r.missing("QTY+12", segment)
        item = without_empty(item)
        values = self.values
        if values is not None:
            item["shipped_quantity"] = values.quantities.use(item["shipped_quantity"])
            for field, kind in (("ordered_quantity", values.quantities), ("unit_price", values.prices)):
                if field in item:
                    item[field] = kind.use(item[field])
            for field, kind in (("items", values.items), ("dates", values.dates)):
                if field in item:
                    kind.use_all(item[field])
        self.nodes[-1].items.append((order, item))


def _item_fields(orders: list[Doc]) -> list[Doc]:
    """The item fields handed to validation, in the order of ``ShipNotice.all_items``."""
    found: list[Doc] = []
    for order in orders:
        found.extend(order["items"])
        for pack in order["packs"]:
            found.extend(pack.get("items", ()))
        for tare in order["tares"]:
            found.extend(tare.get("items", ()))
            for pack in tare.get("packs", ()):
                found.extend(pack.get("items", ()))
    return found


def _learn(values: SharedValues, items: Iterable[tuple[Doc, ShipItem]]) -> None:
    """Remember the value objects validation built where the items still held plain fields."""
    pairs = list(items)
    if values.quantities.missed:
        values.quantities.learn((given["shipped_quantity"], item.shipped_quantity) for given, item in pairs)
        values.quantities.learn(
            (given["ordered_quantity"], item.ordered_quantity)
            for given, item in pairs
            if "ordered_quantity" in given
        )
    if values.prices.missed:
        values.prices.learn(
            (given["unit_price"], item.unit_price) for given, item in pairs if "unit_price" in given
        )
    for field, kind in (("items", values.items), ("dates", values.dates)):
        if kind.missed:
            kind.learn(
                pair
                for given, item in pairs
                if field in given
                for pair in zip(given[field], getattr(item, field), strict=False)
            )
    values.learned()


def _gin_values(seg: Segment) -> list[str]:
    """The first component of every element from GIN_FIRST on, blanks left out."""
    return [comps[0] for comps in seg.elements[GIN_FIRST - 1 :] if comps and comps[0]]


def _equipment(seg: Segment) -> Doc:
    return {
        "type_code": seg.get(EQD_TYPE) or None,
        "number": seg.get(EQD_ID),
        "initial": seg.get(EQD_ID, EQD_INITIAL) or None,
        "seal_numbers": [],
    }


HEADER_READERS: dict[str, tuple[str, Any]] = {
    "NAD": ("parties", read_nad),
    "FTX": ("notes", read_ftx),
    "TDT": ("carriers", terms.read_tdt),
    "TOD": ("fob", terms.read_tod),
}


def desadv_to_asn(message: RawMessage, values: SharedValues | None = None) -> ShipNotice:
    """Translate one DESADV message; ``values`` shares repeated value objects across messages."""
    return DesadvReader(message, values).read()
