"""The 856 HL levels in both directions: which segments each level reads (PRF, MAN, LIN, SN1, PID, lot and
serial REFs) and how the canonical shipment tree is built from, and written back to, HL loops."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from translators.canonical import (
    ItemId,
    Lot,
    Mark,
    Pack,
    Quantity,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tare,
)
from translators.errors import RenderError
from translators.x12 import codes
from translators.x12.maps.area import write_common, write_tail
from translators.x12.maps.code_tables import PURPOSE
from translators.x12.maps.context import Reader, el
from translators.x12.maps.segments import Segment, date8, num, read_item_ids, time_text, write_item_ids

if TYPE_CHECKING:
    from translators.x12.maps.asn_856 import HlNode, Kept

ZERO = Decimal(0)
LEVEL_RANK = {"S": 0, "O": 1, "T": 2, "P": 3, "I": 4}
BSN_PURPOSE, BSN_ID, BSN_DATE, BSN_TIME, BSN_STRUCTURE = 1, 2, 3, 4, 5
PRF_PO, PRF_RELEASE, PRF_DATE = 1, 2, 4
MAN_QUALIFIER, MAN_VALUE = 1, 2
MAN_SSCC, MAN_TRACKING = "GM", "CP"
LIN_LINE, LIN_FIRST_ID = 1, 2
SN1_ID, SN1_QUANTITY, SN1_UNIT, SN1_ORDERED, SN1_ORDERED_UNIT, SN1_STATUS = 1, 2, 3, 5, 6, 8
PID_TYPE, PID_DESCRIPTION = 1, 5
REF_QUALIFIER, REF_VALUE = 1, 2
REF_LOT, REF_SERIAL = "LT", "SE"
LEVEL_SEGMENTS = {
    "O": frozenset({"PRF"}),
    "T": frozenset({"MAN"}),
    "P": frozenset({"MAN"}),
    "I": frozenset({"LIN", "SN1", "PID"}),
}
ITEM_REFS = frozenset({REF_LOT, REF_SERIAL})
EMPTY_LIN = ("LIN",)
EMPTY_PRF = ("PRF",)
MISSING_SN1 = ("SN1", "", "0")
HL_SEGMENT, HL_LEVEL = ("HL",), 3


def read_level_segment(r: Reader, node: HlNode, segment: Segment) -> None:
    tag, level = segment[0], node.level
    if level == "?":
        node.area.keep(r.extension(segment))
    elif tag in LEVEL_SEGMENTS.get(level, ()) and not (tag == "PID" and el(segment, PID_TYPE) != "F"):
        node.keep(tag, segment)
    elif level == "I" and tag == "REF" and el(segment, REF_QUALIFIER) in ITEM_REFS:
        node.keep(segment[REF_QUALIFIER], segment)
    else:
        node.area.feed(r, segment)


def _marks(node: HlNode) -> tuple[str | None, str | None, tuple[Mark, ...]]:
    sscc = tracking = None
    marks = []
    for segment in node.all("MAN"):
        qualifier, value = el(segment, MAN_QUALIFIER), el(segment, MAN_VALUE)
        if qualifier == MAN_SSCC and sscc is None:
            sscc = value
        elif qualifier == MAN_TRACKING and tracking is None:
            tracking = value
        else:
            marks.append(Mark.trusted(qualifier=qualifier, value=value))
    return sscc, tracking, tuple(marks)


def _shipped(r: Reader, sn1: Sequence[str]) -> Quantity:
    return Quantity.trusted(value=r.decimal(sn1, SN1_QUANTITY) or ZERO, unit=r.text(sn1, SN1_UNIT))


def _ordered(r: Reader, sn1: Sequence[str]) -> Quantity | None:
    ordered = r.decimal(sn1, SN1_ORDERED)
    return (
        Quantity.trusted(value=ordered, unit=r.text(sn1, SN1_ORDERED_UNIT)) if ordered is not None else None
    )


def _item_ids(r: Reader, lin: Sequence[str]) -> tuple[ItemId, ...]:
    return read_item_ids(r, lin, LIN_FIRST_ID)


def _lots(r: Reader, refs: list[Kept] | None) -> tuple[Lot, ...]:
    if not refs:
        return ()
    if len(refs) == 1:
        return r.read_as(("REF lots", el(refs[0], REF_VALUE)), _one_lot, refs[0]) or ()
    return tuple(Lot.trusted(number=el(s, REF_VALUE)) for s in refs)


def _one_lot(_r: Reader, ref: Sequence[str]) -> tuple[Lot, ...]:
    return (Lot.trusted(number=el(ref, REF_VALUE)),)


def build_item(r: Reader, node: HlNode) -> ShipItem:
    """The item of an I level. An item read from the very same segments as one built without error
    earlier in the set (cartons of the same article, quantity and lot) is that same frozen value."""
    key = node.item_key()
    if key is None:
        return _build_item(r, node)
    item: ShipItem | None = r.memo.get(key)
    if item is None:
        errors = len(r.errors)
        item = _build_item(r, node)
        if len(r.errors) == errors:
            r.remember(key, item)
    else:
        r.position = node.position
    return item


def _build_item(r: Reader, node: HlNode) -> ShipItem:
    kept = node.by_key()
    lins, sn1s = kept.get("LIN"), kept.get("SN1")
    lin = lins[0] if lins else EMPTY_LIN
    r.position = node.position
    if sn1s:
        sn1 = sn1s[0]
    else:
        r.error(
            HL_SEGMENT, HL_LEVEL, codes.ELEMENT_CONDITIONAL_MISSING, "item level without SN1 shipped quantity"
        )
        sn1 = MISSING_SN1
    ordered_key = ("SN1 ordered", el(sn1, SN1_ORDERED), el(sn1, SN1_ORDERED_UNIT))
    ordered = r.read_as(ordered_key, _ordered, sn1) if ordered_key[1] else None
    shipped_key = ("SN1 shipped", el(sn1, SN1_QUANTITY), el(sn1, SN1_UNIT))
    groups = node.groups()
    return ShipItem.trusted(
        line_number=r.text(lin, LIN_LINE) or r.text(sn1, SN1_ID),
        items=r.read_as(("LIN ids", *lin[LIN_FIRST_ID:]), _item_ids, lin) or (),
        shipped_quantity=r.read_as(shipped_key, _shipped, sn1),
        ordered_quantity=ordered,
        status_code=r.text(sn1, SN1_STATUS),
        descriptions=tuple(el(s, PID_DESCRIPTION) for s in kept.get("PID", ())),
        lots=_lots(r, kept.get(REF_LOT)),
        serial_numbers=tuple(el(s, REF_VALUE) for s in kept.get(REF_SERIAL, ())),
        dates=groups.get("DTM", ()),
        references=groups.get("REF", ()),
        notes=groups.get("NTE", ()),
        extensions=groups.get("EXT", ()),
    )


def build_pack(r: Reader, node: HlNode) -> Pack:
    sscc, tracking, marks = _marks(node)
    groups = node.groups()
    return Pack.trusted(
        sscc=sscc,
        tracking_number=tracking,
        marks=marks,
        measures=groups.get("TD1", ()),
        references=groups.get("REF", ()),
        dates=groups.get("DTM", ()),
        items=r.shared(tuple(build_item(r, n) for n in node.children_at("I"))),
        extensions=groups.get("EXT", ()),
    )


def build_tare(r: Reader, node: HlNode) -> Tare:
    sscc, _, marks = _marks(node)
    groups = node.groups()
    return Tare.trusted(
        sscc=sscc,
        marks=marks,
        measures=groups.get("TD1", ()),
        references=groups.get("REF", ()),
        packs=tuple(build_pack(r, n) for n in node.children_at("P")),
        items=tuple(build_item(r, n) for n in node.children_at("I")),
        extensions=groups.get("EXT", ()),
    )


def build_order(r: Reader, node: HlNode) -> ShipOrder:
    prf = node.first("PRF") or EMPTY_PRF
    area = node.area
    r.position = node.position
    return ShipOrder.trusted(
        po_number=r.text(prf, PRF_PO),
        release_number=r.text(prf, PRF_RELEASE),
        po_date=r.date(prf, PRF_DATE),
        references=area.references,
        dates=area.dates,
        parties=area.parties(),
        measures=area.measures,
        carriers=area.carriers,
        tares=tuple(build_tare(r, n) for n in node.children_at("T")),
        packs=tuple(build_pack(r, n) for n in node.children_at("P")),
        items=tuple(build_item(r, n) for n in node.children_at("I")),
        extensions=area.extensions,
    )


def build_notice(
    r: Reader, bsn_at: tuple[Segment, int], top: HlNode, line_count: int | None
) -> ShipNotice | None:
    bsn, position = bsn_at
    shipments = top.children_at("S")
    shipment = shipments[0] if shipments else top
    area = shipment.area
    extensions = list(top.area.extensions) + (list(area.extensions) if shipment is not top else [])
    purpose, purpose_code = PURPOSE.read(el(bsn, BSN_PURPOSE))
    orders = tuple(build_order(r, n) for n in shipment.children_at("O"))
    with r.at(position):
        date, time = r.date(bsn, BSN_DATE), r.time(bsn, BSN_TIME)
    if date is None:
        return None
    return ShipNotice.trusted(
        purpose=purpose,
        purpose_code=purpose_code,
        shipment_id=el(bsn, BSN_ID),
        notice_date=date,
        notice_time=time,
        structure_code=r.text(bsn, BSN_STRUCTURE),
        measures=area.measures,
        carriers=area.carriers,
        equipment=area.equipment,
        fob=area.fob,
        references=area.references,
        dates=area.dates,
        parties=area.parties(),
        contacts=area.contacts,
        notes=area.notes,
        orders=orders,
        line_count=line_count,
        extensions=tuple(extensions),
    )


class HlWriter:
    """Numbers HL loops depth first while writing the tree back."""

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.count = 0

    def hl(self, parent: int | None, level: str, has_children: bool) -> int:
        self.count += 1
        parent_text = str(parent) if parent else ""
        self.segments.append(["HL", str(self.count), parent_text, level, "1" if has_children else "0"])
        return self.count

    def item(self, parent: int, item: ShipItem) -> None:
        if not item.items:
            raise RenderError("an 856 item (LIN) needs at least one item identifier")
        self.hl(parent, "I", False)
        ordered = item.ordered_quantity
        self.segments += [
            ["LIN", item.line_number or "", *write_item_ids(item.items)],
            [
                "SN1", "", num(item.shipped_quantity.value), item.shipped_quantity.unit or "", "",
                num(ordered.value) if ordered else "", (ordered.unit or "") if ordered else "", "",
                item.status_code or "",
            ],
            *(["PID", "F", "", "", "", text] for text in item.descriptions),
            *(["REF", REF_LOT, lot.number] for lot in item.lots),
            *(["REF", REF_SERIAL, serial] for serial in item.serial_numbers),
        ]  # fmt: skip
        self.segments += write_common(references=item.references, dates=item.dates)
        self.segments += write_tail((), item.notes, item.extensions)

    def marks(self, sscc: str | None, tracking: str | None, marks: tuple[Mark, ...]) -> None:
        self.segments += [["MAN", MAN_SSCC, sscc]] if sscc else []
        self.segments += [["MAN", MAN_TRACKING, tracking]] if tracking else []
        self.segments += [["MAN", m.qualifier, m.value] for m in marks]

    def pack(self, parent: int, pack: Pack) -> None:
        me = self.hl(parent, "P", bool(pack.items))
        self.segments += write_common(measures=pack.measures, references=pack.references, dates=pack.dates)
        self.marks(pack.sscc, pack.tracking_number, pack.marks)
        self.segments += write_tail((), (), pack.extensions)
        for item in pack.items:
            self.item(me, item)

    def tare(self, parent: int, tare: Tare) -> None:
        me = self.hl(parent, "T", bool(tare.packs or tare.items))
        self.segments += write_common(measures=tare.measures, references=tare.references)
        self.marks(tare.sscc, None, tare.marks)
        self.segments += write_tail((), (), tare.extensions)
        for pack in tare.packs:
            self.pack(me, pack)
        for item in tare.items:
            self.item(me, item)

    def order(self, parent: int, order: ShipOrder) -> None:
        me = self.hl(parent, "O", bool(order.tares or order.packs or order.items))
        if order.po_number or order.release_number or order.po_date:
            prf = ["PRF", order.po_number or "", order.release_number or "", "", date8(order.po_date)]
            self.segments.append(prf)
        self.segments += write_common(
            measures=order.measures, carriers=order.carriers, references=order.references, dates=order.dates
        )
        self.segments += write_tail(order.parties, (), order.extensions)
        for tare in order.tares:
            self.tare(me, tare)
        for pack in order.packs:
            self.pack(me, pack)
        for item in order.items:
            self.item(me, item)


def write_856(notice: ShipNotice) -> list[Segment]:
    purpose = PURPOSE.code(notice.purpose, notice.purpose_code) or ""
    bsn = [
        "BSN",
        purpose,
        notice.shipment_id,
        date8(notice.notice_date),
        time_text(notice.notice_time) or "0000",
    ]
    writer = HlWriter()
    writer.segments.append([*bsn, notice.structure_code or ""])
    top = writer.hl(None, "S", bool(notice.orders))
    writer.segments += write_common(
        measures=notice.measures,
        carriers=notice.carriers,
        equipment=notice.equipment,
        references=notice.references,
        contacts=notice.contacts,
        fob=notice.fob,
        dates=notice.dates,
    )
    writer.segments += write_tail(notice.parties, notice.notes, notice.extensions)
    for order in notice.orders:
        writer.order(top, order)
    if notice.line_count is not None:
        writer.segments.append(["CTT", str(notice.line_count)])
    return writer.segments
