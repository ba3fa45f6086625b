"""ShipNotice -> DESADV body: header, then one CPS tree rooted at CPS+1 (the shipment): order-level items,
tares (CPS under 1) with their items and packs (CPS under the tare), packs directly under the shipment.
Several orders in one notice are told apart by a line-level RFF+ON on every item."""

from __future__ import annotations

from collections.abc import Iterator

from translators.canonical import (
    DateKind,
    DateRef,
    Measure,
    Pack,
    Reference,
    ReferenceKind,
    ShipItem,
    ShipNotice,
    Tare,
)
from translators.edifact.maps import codes, terms
from translators.edifact.maps.common import (
    DTM_REFERENCE_DATE,
    RFF_ORDER,
    RFF_RELEASE,
    number,
    write_dtm,
    write_extension,
    write_ftx,
    write_imd,
    write_items,
    write_nad,
    write_pri,
    write_qty,
    write_rff,
)
from translators.edifact.maps.desadv import MEA_VOLUME
from translators.edifact.render import SegmentSpec

DOC_DESPATCH_ADVICE = "351"
PCI_PLAIN = "10"
GIN_PER_SEGMENT = 5
WEIGHT_DEFAULT = "AAB"


def _measure(measure: Measure) -> list[SegmentSpec]:
    count = str(measure.lading_quantity) if measure.lading_quantity is not None else ""
    out: list[SegmentSpec] = [("PAC", [count, None, [measure.packaging_code or ""]])]
    if measure.weight is not None:
        qualifier = measure.weight_qualifier or WEIGHT_DEFAULT
        out.append(("MEA", ["PD", [qualifier], [measure.weight.unit or "", number(measure.weight.value)]]))
    if measure.volume is not None:
        out.append(("MEA", ["PD", [MEA_VOLUME], [measure.volume.unit or "", number(measure.volume.value)]]))
    return out


def _package(node: Pack | Tare) -> list[SegmentSpec]:
    out = [seg for m in node.measures for seg in _measure(m)]
    tracking = node.tracking_number if isinstance(node, Pack) else None
    if tracking is not None:
        out.append(write_rff(Reference(kind=ReferenceKind.TRACKING, value=tracking)))
    out.extend(write_rff(ref) for ref in node.references)
    if isinstance(node, Pack):
        out.extend(write_dtm(date) for date in node.dates)
    if node.sscc is not None:
        out.extend([("PCI", [codes.PCI_SSCC]), ("GIN", [codes.GIN_SSCC, [node.sscc]])])
    out.extend(("PCI", [mark.qualifier, [mark.value]]) for mark in node.marks)
    out.extend(write_extension(ext) for ext in node.extensions)
    return out


def _item(item: ShipItem, order: str | None) -> list[SegmentSpec]:
    out = write_items(item.line_number, item.status_code, item.items)
    out.extend(write_imd(text) for text in item.descriptions)
    out.append(write_qty(codes.QTY_DESPATCHED, item.shipped_quantity))
    if item.ordered_quantity is not None:
        out.append(write_qty(codes.QTY_ORDERED, item.ordered_quantity))
    out.extend(write_dtm(date) for date in item.dates)
    out.extend(write_ftx(note) for note in item.notes)
    if item.unit_price is not None:
        out.append(write_pri(item.unit_price))
    if order is not None:
        out.append(("RFF", [[RFF_ORDER, order]]))
    out.extend(write_rff(ref) for ref in item.references)
    for lot in item.lots:
        out.extend([("PCI", [PCI_PLAIN]), ("GIN", [codes.GIN_BATCH, [lot.number]])])
        if lot.expiry is not None:
            out.append(("DTM", [["36", lot.expiry.strftime("%Y%m%d"), codes.FORMAT_DATE]]))
        if lot.quantity is not None:
            out.append(write_qty(codes.QTY_DESPATCHED, lot.quantity))
    serials = item.serial_numbers
    for start in range(0, len(serials), GIN_PER_SEGMENT):
        out.append(("PCI", [PCI_PLAIN]))
        out.append(("GIN", [codes.GIN_SERIAL, *([s] for s in serials[start : start + GIN_PER_SEGMENT])]))
    out.extend(write_extension(ext) for ext in item.extensions)
    return out


def _header(notice: ShipNotice, single: bool) -> list[SegmentSpec]:
    purpose = codes.PURPOSE.code(notice.purpose, notice.purpose_code)
    out: list[SegmentSpec] = [("BGM", [DOC_DESPATCH_ADVICE, notice.shipment_id, purpose])]
    out.append(write_dtm(DateRef(kind=DateKind.DOCUMENT, date=notice.notice_date, time=notice.notice_time)))
    out.extend(write_dtm(date) for date in notice.dates)
    out.extend(write_ftx(note) for note in notice.notes)
    order = notice.orders[0] if single and notice.orders else None
    if order is not None and order.po_number is not None:
        out.append(("RFF", [[RFF_ORDER, order.po_number]]))
        if order.po_date is not None:
            out.append(("DTM", [[DTM_REFERENCE_DATE, order.po_date.strftime("%Y%m%d"), codes.FORMAT_DATE]]))
    if order is not None and order.release_number is not None:
        out.append(("RFF", [[RFF_RELEASE, order.release_number]]))
    out.extend(write_rff(ref) for ref in notice.references)
    for party in notice.parties:
        out.extend(write_nad(party))
    out.extend(write_extension(ext) for ext in notice.extensions)
    out.extend(terms.write_tdt(carrier) for carrier in notice.carriers)
    for fob in notice.fob:
        out.extend(terms.write_tod(fob))
    for equipment in notice.equipment:
        out.append(("EQD", [equipment.type_code or "CN", [equipment.number, equipment.initial or ""]]))
        out.extend(("SEL", [seal]) for seal in equipment.seal_numbers)
    return out


def _tree(notice: ShipNotice, single: bool) -> Iterator[SegmentSpec]:
    yield ("CPS", ["1"])
    for measure in notice.measures:
        yield from _measure(measure)
    for order in notice.orders:
        key = None if single else order.po_number
        for item in order.items:
            yield from _item(item, key)
    counter = 1
    for order in notice.orders:
        key = None if single else order.po_number
        for tare in order.tares:
            counter += 1
            tare_id = str(counter)
            yield ("CPS", [tare_id, "1"])
            yield from _package(tare)
            for item in tare.items:
                yield from _item(item, key)
            for pack in tare.packs:
                counter += 1
                yield ("CPS", [str(counter), tare_id])
                yield from _package(pack)
                for item in pack.items:
                    yield from _item(item, key)
        for pack in order.packs:
            counter += 1
            yield ("CPS", [str(counter), "1"])
            yield from _package(pack)
            for item in pack.items:
                yield from _item(item, key)


def asn_to_desadv(notice: ShipNotice) -> list[SegmentSpec]:
    """The DESADV body for a ship notice."""
    single = len(notice.orders) <= 1
    out = _header(notice, single)
    out.extend(_tree(notice, single))
    if notice.line_count is not None:
        out.append(("CNT", [[codes.CNT_LINES, str(notice.line_count)]]))
    return out
