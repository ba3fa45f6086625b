"""ORDRSP <-> Acknowledgement.

BGM 1004 is the acknowledgement number; 1225 carries the answer (29 accepted, 27 not accepted, 4 changed)
or, when it states a purpose instead, 4343 does (AP, AC, CA, AB, RE, NA, AH). The order answered is
RFF+ON (DTM+171 its date). Lines: LIN 1229 is the line's status, QTY+21 the ordered quantity, QTY+113 the
quantity that status applies to and QTY+83 a backordered quantity; a DTM right after either QTY is the
date of that status. Other line segments as in ORDERS; the rest goes to ``extensions``.
"""

from __future__ import annotations

from typing import Any

from translators.canonical import (
    AckLine,
    Acknowledgement,
    AckStatus,
    DateKind,
    DateRef,
    LineStatus,
    Purpose,
)
from translators.edifact.maps import codes
from translators.edifact.maps.common import (
    DTM_REFERENCE_DATE,
    RFF_ORDER,
    RFF_RELEASE,
    Doc,
    OrderReferences,
    Reader,
    contact_segment,
    extension,
    item_ids,
    read_dtm,
    read_ftx,
    read_imd,
    read_nad,
    read_pri,
    read_qty,
    read_rff,
    write_contact,
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
from translators.edifact.messages import RawMessage
from translators.edifact.render import SegmentSpec
from translators.edifact.syntax import Segment

BGM_NUMBER, BGM_FUNCTION, BGM_RESPONSE = 2, 3, 4
DOC_ORDER_RESPONSE = "231"
STATUS_QTYS = (codes.QTY_TO_DELIVER, codes.QTY_BACKORDER)
PARTY_GROUP = frozenset({"LOC", "FII", "DOC", "CTA", "COM", "RFF"})
LINE_LISTS = ("items", "descriptions", "statuses", "schedules", "dates", "references", "notes", "extensions")
HEAD_LISTS = ("parties", "contacts", "references", "dates", "notes", "extensions")


def _status(seg: Segment) -> tuple[AckStatus, str | None, Purpose, str | None]:
    function, response = seg.get(BGM_FUNCTION), seg.get(BGM_RESPONSE)
    if function in codes.ACK_FUNCTION.by_code and not response:
        status, status_code = codes.ACK_FUNCTION.read(function)
        return status, status_code, Purpose.ORIGINAL, None
    purpose, purpose_code = codes.PURPOSE.read(function or "9")
    status, status_code = codes.ACK_RESPONSE.read(response) if response else (AckStatus.OTHER, None)
    return status, status_code, purpose, purpose_code


class OrdrspReader(OrderReferences):
    """One pass over an ORDRSP body; ``context`` names the open segment group."""

    def __init__(self, message: RawMessage) -> None:
        self.r = Reader(message)
        self.head: dict[str, Any] = {}
        self.lists: dict[str, list[Any]] = {k: [] for k in HEAD_LISTS}
        self.lines: list[Doc] = []
        self.line: dict[str, Any] | None = None
        self.context = ""
        self.prev: Segment | None = None

    @property
    def order_fields(self) -> Doc:
        return self.head

    def read(self) -> Acknowledgement:
        for seg in self.r.message.body:
            self.feed(seg)
            self.prev = seg
        self._close_line()
        if "status" not in self.head:
            raise self.r.missing("BGM")
        if "po_number" not in self.head:
            raise self.r.missing("RFF+ON")
        return Acknowledgement.model_validate({**self.head, **self.lists, "lines": self.lines})

    def feed(self, seg: Segment) -> None:
        tag = seg.tag
        if tag == "LIN":
            self._open_line(seg)
        elif tag == "UNS":
            self._close_line()
            self.context = "UNS"
        elif self.line is not None:
            self._line_segment(self.line, seg)
        elif self.context == "UNS":
            if tag == "CNT" and seg.get(1, 1) == codes.CNT_LINES:
                self.head["line_count"] = self.r.integer(seg, 1, 2)
            else:
                self.lists["extensions"].append(extension(seg))
        else:
            self._header(seg)

    def _in_group(self, seg: Segment) -> bool:
        tag = seg.tag
        if self.context == "NAD" and tag in PARTY_GROUP:
            self._party_detail(seg)
        elif tag == "DTM" and self.context in ("RFF", "RFF-ON"):
            self._reference_date(seg)
        elif tag == "COM" and self.context == "CTA":
            contact_segment(self.lists["contacts"], seg)
        else:
            return False
        return True

    def _header(self, seg: Segment) -> None:
        tag, lists, r = seg.tag, self.lists, self.r
        if self._in_group(seg):
            return
        self.context = tag
        if tag == "BGM":
            status, status_code, purpose, purpose_code = _status(seg)
            self.head.update(
                status=status, status_code=status_code, purpose=purpose, purpose_code=purpose_code
            )
            self.head["ack_number"] = seg.get(BGM_NUMBER) or None
        elif tag == "DTM" and (date := read_dtm(r, seg)) is not None:
            if (
                date["kind"] is DateKind.DOCUMENT
                and date["qualifier"] is None
                and "ack_date" not in self.head
            ):
                self.head["ack_date"] = date["date"]
            else:
                lists["dates"].append(date)
        elif tag == "RFF":
            self._reference(seg)
        elif tag == "NAD":
            lists["parties"].append(read_nad(seg))
        elif tag == "FTX":
            lists["notes"].append(read_ftx(seg))
        elif tag == "CUX":
            self.head["currency"] = seg.get(1, 2) or None
        elif tag == "CTA":
            contact_segment(lists["contacts"], seg)
        else:
            self.context = ""
            lists["extensions"].append(extension(seg))

    def _open_line(self, seg: Segment) -> None:
        self._close_line()
        self.context = "LIN"
        line: dict[str, Any] = {k: [] for k in LINE_LISTS}
        line["line_number"] = seg.get(1) or None
        line["items"].extend(item_ids(seg, 3))
        if seg.get(2):
            status, code = codes.LINE_STATUS.read(seg.get(2))
            line["statuses"].append({"status": status, "status_code": code, "quantity": None, "date": None})
        self.line = line

    def _line_segment(self, line: dict[str, Any], seg: Segment) -> None:
        tag, r = seg.tag, self.r
        if self.context == "SCC" and tag in ("QTY", "DTM"):
            self._schedule(line["schedules"], seg)
            return
        self.context = tag
        if tag == "SCC":
            return
        if tag == "QTY":
            self._line_qty(line, seg)
        elif tag == "DTM" and (date := read_dtm(r, seg)) is not None:
            self._line_date(line, date)
        elif tag == "PIA":
            line["items"].extend(item_ids(seg, 2, 5))
        elif tag == "IMD" and (text := read_imd(seg)):
            line["descriptions"].append(text)
        elif tag == "PRI" and "unit_price" not in line:
            line["unit_price"] = read_pri(r, seg, self.head.get("currency"))
        elif tag == "RFF":
            line["references"].append(read_rff(seg))
        elif tag == "FTX":
            line["notes"].append(read_ftx(seg))
        else:
            line["extensions"].append(extension(seg))

    def _schedule(self, schedules: list[Doc], seg: Segment) -> None:
        if seg.tag == "QTY":
            quantity = read_qty(self.r, seg)
            if quantity is not None:
                schedules.append({"quantity": quantity, "dates": []})
        elif (date := read_dtm(self.r, seg)) is not None and schedules:
            schedules[-1]["dates"].append(date)

    def _line_qty(self, line: dict[str, Any], seg: Segment) -> None:
        qualifier, quantity = seg.get(1, 1), read_qty(self.r, seg)
        statuses = line["statuses"]
        if qualifier == codes.QTY_ORDERED and "ordered_quantity" not in line:
            line["ordered_quantity"] = quantity
        elif qualifier == codes.QTY_TO_DELIVER and statuses and statuses[0]["quantity"] is None:
            statuses[0]["quantity"] = quantity
        elif qualifier == codes.QTY_TO_DELIVER and not statuses:
            statuses.append({"status": LineStatus.ACCEPTED, "quantity": quantity, "date": None})
        elif qualifier == codes.QTY_BACKORDER:
            statuses.append({"status": LineStatus.BACKORDERED, "quantity": quantity, "date": None})
        else:
            line["extensions"].append(extension(seg))

    def _line_date(self, line: dict[str, Any], date: Doc) -> None:
        prev, statuses = self.prev, line["statuses"]
        after_status = prev is not None and prev.tag == "QTY" and prev.get(1, 1) in STATUS_QTYS
        if after_status and statuses and statuses[-1]["date"] is None:
            statuses[-1]["date"] = date
        else:
            line["dates"].append(date)

    def _close_line(self) -> None:
        line, self.line = self.line, None
        if line is not None:
            self.lines.append(line)


def ordrsp_to_ack(message: RawMessage) -> Acknowledgement:
    """Translate one ORDRSP message."""
    return OrdrspReader(message).read()


def _bgm(ack: Acknowledgement) -> SegmentSpec:
    plain = ack.purpose is Purpose.ORIGINAL and ack.purpose_code is None and ack.status_code is None
    if plain and ack.status in codes.ACK_FUNCTION.by_member:
        return (
            "BGM",
            [DOC_ORDER_RESPONSE, ack.ack_number, codes.ACK_FUNCTION.code(ack.status, None)],
        )
    return (
        "BGM",
        [
            DOC_ORDER_RESPONSE,
            ack.ack_number,
            codes.PURPOSE.code(ack.purpose, ack.purpose_code),
            codes.ACK_RESPONSE.code(ack.status, ack.status_code),
        ],
    )


def _line_segments(line: AckLine) -> list[SegmentSpec]:
    primary = next((s for s in line.statuses if s.status is not LineStatus.BACKORDERED), None)
    action = codes.LINE_STATUS.code(primary.status, primary.status_code) if primary else None
    out = write_items(line.line_number, action, line.items)
    out.extend(write_imd(text) for text in line.descriptions)
    if line.ordered_quantity is not None:
        out.append(write_qty(codes.QTY_ORDERED, line.ordered_quantity))
    out.extend(write_dtm(date) for date in line.dates)
    for status in line.statuses:
        qualifier = codes.QTY_BACKORDER if status.status is LineStatus.BACKORDERED else codes.QTY_TO_DELIVER
        if status.quantity is not None:
            out.append(write_qty(qualifier, status.quantity))
            if status.date is not None:
                out.append(write_dtm(status.date))
    out.extend(write_ftx(note) for note in line.notes)
    if line.unit_price is not None:
        out.append(write_pri(line.unit_price))
    out.extend(write_rff(ref) for ref in line.references)
    for schedule in line.schedules:
        out.append(("SCC", ["1"]))
        out.append(write_qty(codes.QTY_ORDERED, schedule.quantity))
        out.extend(write_dtm(date) for date in schedule.dates)
    out.extend(write_extension(ext) for ext in line.extensions)
    return out


def ack_to_ordrsp(ack: Acknowledgement) -> list[SegmentSpec]:
    """The ORDRSP body for an acknowledgement."""
    out: list[SegmentSpec] = [_bgm(ack)]
    if ack.ack_date is not None:
        out.append(write_dtm(DateRef(kind=DateKind.DOCUMENT, date=ack.ack_date)))
    out.extend(write_dtm(date) for date in ack.dates)
    out.extend(write_ftx(note) for note in ack.notes)
    out.append(("RFF", [[RFF_ORDER, ack.po_number]]))
    if ack.po_date is not None:
        out.append(("DTM", [[DTM_REFERENCE_DATE, ack.po_date.strftime("%Y%m%d"), codes.FORMAT_DATE]]))
    if ack.release_number is not None:
        out.append(("RFF", [[RFF_RELEASE, ack.release_number]]))
    out.extend(write_rff(ref) for ref in ack.references)
    for contact in ack.contacts:
        out.extend(write_contact(contact))
    for party in ack.parties:
        out.extend(write_nad(party))
    out.extend(write_extension(ext) for ext in ack.extensions)
    if ack.currency is not None:
        out.append(("CUX", [[codes.CURRENCY_REFERENCE, ack.currency, "9"]]))
    for line in ack.lines:
        out.extend(_line_segments(line))
    out.append(("UNS", ["S"]))
    if ack.line_count is not None:
        out.append(("CNT", [[codes.CNT_LINES, str(ack.line_count)]]))
    return out
