"""X12 855 Purchase Order Acknowledgment <-> canonical Acknowledgement."""

from __future__ import annotations

from collections.abc import Iterable

from translators.canonical import (
    AckLine,
    Acknowledgement,
    DateRef,
    LineAck,
    Quantity,
)
from translators.x12.maps.area import Area, write_common, write_tail
from translators.x12.maps.code_tables import ACK_STATUS, DATE_KIND, LINE_STATUS, PURPOSE
from translators.x12.maps.context import Reader, el
from translators.x12.maps.po_850 import (
    DESCRIPTION,
    PO1_FIRST_ID,
    PO1_LINE,
    SCHEDULE,
    LineDraft,
    write_sch,
)
from translators.x12.maps.segments import Segment, date8, num, read_item_ids, write_item_ids

BAK_PURPOSE, BAK_STATUS, BAK_PO_NUMBER, BAK_PO_DATE, BAK_RELEASE, BAK_ACK_NUMBER, BAK_ACK_DATE = (
    1,
    2,
    3,
    4,
    5,
    8,
    9,
)
CUR_CURRENCY = 2
ACK_STATUS_CODE, ACK_QUANTITY, ACK_UNIT, ACK_DATE_QUALIFIER, ACK_DATE, ACK_FIRST_ID = 1, 2, 3, 4, 5, 7
CTT_LINES = 1


class AcknowledgementReader:
    """Reads the body of one 855 in a single pass."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.header = Area()
        self.lines: list[AckLine] = []
        self.bak: Segment | None = None
        self.bak_position = 0
        self.currency: str | None = None
        self.line_count: int | None = None
        self.statuses: list[LineAck] = []

    def read(self, segments: Iterable[Segment]) -> Acknowledgement | None:
        r, line = self.r, None
        for segment in segments:
            r.position += 1
            tag = segment[0]
            if tag in ("PO1", "CTT"):
                if line is not None:
                    self.lines.append(self.build_line(line))
                line = LineDraft(segment, r.position) if tag == "PO1" else None
                if tag == "CTT":
                    self.line_count = r.integer(segment, CTT_LINES)
            elif line is not None:
                if tag == "ACK":
                    self.statuses.append(self.read_ack(segment))
                elif tag == "PO4":
                    line.area.keep(r.extension(segment))
                else:
                    line.feed(r, segment)
            elif tag == "BAK":
                self.bak, self.bak_position = segment, r.position
            elif tag == "CUR":
                self.currency = el(segment, CUR_CURRENCY) or None
            else:
                self.header.feed(r, segment)
        if line is not None:
            self.lines.append(self.build_line(line))
        return self.build()

    def read_ack(self, segment: Segment) -> LineAck:
        r = self.r
        status, code = LINE_STATUS.read(el(segment, ACK_STATUS_CODE))
        value, date = r.decimal(segment, ACK_QUANTITY), r.date(segment, ACK_DATE)
        date_ref = None
        if date is not None:
            kind, qualifier = DATE_KIND.read(el(segment, ACK_DATE_QUALIFIER))
            date_ref = DateRef.trusted(kind=kind, date=date, qualifier=qualifier)
        return LineAck.trusted(
            status=status,
            status_code=code,
            quantity=Quantity.trusted(value=value, unit=r.text(segment, ACK_UNIT))
            if value is not None
            else None,
            date=date_ref,
            items=read_item_ids(r, segment, ACK_FIRST_ID),
        )

    def build_line(self, draft: LineDraft) -> AckLine:
        with self.r.at(draft.position):
            return self._build_line(draft)

    def _build_line(self, draft: LineDraft) -> AckLine:
        r, area, statuses = self.r, draft.area, tuple(self.statuses)
        self.statuses = []
        groups = area.groups()
        return AckLine.trusted(
            line_number=r.text(draft.segment, PO1_LINE),
            ordered_quantity=draft.quantity(r),
            unit_price=draft.price(r, self.currency),
            items=read_item_ids(r, draft.segment, PO1_FIRST_ID),
            descriptions=groups.get(DESCRIPTION, ()),
            statuses=statuses,
            schedules=groups.get(SCHEDULE, ()),
            dates=groups.get("DTM", ()),
            references=groups.get("REF", ()),
            notes=groups.get("NTE", ()),
            extensions=groups.get("EXT", ()),
        )

    def build(self) -> Acknowledgement | None:
        with self.r.at(self.bak_position):
            return self._build()

    def _build(self) -> Acknowledgement | None:
        bak, r, h = self.bak, self.r, self.header
        if bak is None:
            return None
        purpose, purpose_code = PURPOSE.read(el(bak, BAK_PURPOSE))
        status, status_code = ACK_STATUS.read(el(bak, BAK_STATUS))
        return Acknowledgement.trusted(
            purpose=purpose,
            purpose_code=purpose_code,
            status=status,
            status_code=status_code,
            po_number=r.required(bak, BAK_PO_NUMBER),
            po_date=r.date(bak, BAK_PO_DATE),
            release_number=r.text(bak, BAK_RELEASE),
            ack_number=r.text(bak, BAK_ACK_NUMBER),
            ack_date=r.date(bak, BAK_ACK_DATE),
            currency=self.currency,
            parties=h.parties(),
            contacts=tuple(h.contacts),
            references=tuple(h.references),
            dates=tuple(h.dates),
            notes=tuple(h.notes),
            lines=tuple(self.lines),
            line_count=self.line_count,
            extensions=tuple(h.extensions),
        )


def read_855(r: Reader, segments: Iterable[Segment]) -> Acknowledgement | None:
    return AcknowledgementReader(r).read(segments)


def write_855(ack: Acknowledgement) -> list[Segment]:
    bak = [
        "BAK",
        PURPOSE.code(ack.purpose, ack.purpose_code) or "",
        ACK_STATUS.code(ack.status, ack.status_code) or "",
        ack.po_number,
        date8(ack.po_date),
        ack.release_number or "",
        "",
        "",
        ack.ack_number or "",
        date8(ack.ack_date),
    ]
    segments = [bak, *([["CUR", "SE", ack.currency]] if ack.currency else [])]
    segments += write_common(references=ack.references, contacts=ack.contacts, dates=ack.dates)
    segments += write_tail(ack.parties, ack.notes, ack.extensions)
    for line in ack.lines:
        segments += write_ack_line(line)
    if ack.line_count is not None:
        segments.append(["CTT", str(ack.line_count)])
    return segments


def write_ack_line(line: AckLine) -> list[Segment]:
    quantity, price = line.ordered_quantity, line.unit_price
    po1 = [
        "PO1",
        line.line_number or "",
        num(quantity.value) if quantity else "",
        (quantity.unit or "") if quantity else "",
        num(price.amount.amount) if price else "",
        (price.basis or "") if price else "",
        *write_item_ids(line.items),
    ]
    segments = [po1, *(["PID", "F", "", "", "", text] for text in line.descriptions)]
    segments += write_common(references=line.references, dates=line.dates)
    segments += [write_sch(s) for s in line.schedules]
    segments += [write_ack(status) for status in line.statuses]
    return segments + write_tail((), line.notes, line.extensions)


def write_ack(status: LineAck) -> Segment:
    quantity, date = status.quantity, status.date
    segment = [
        "ACK",
        LINE_STATUS.code(status.status, status.status_code) or "",
        num(quantity.value) if quantity else "",
        (quantity.unit or "") if quantity else "",
        (DATE_KIND.code(date.kind, date.qualifier) or "") if date else "",
        date8(date.date) if date else "",
    ]
    if status.items:
        segment += ["", *write_item_ids(status.items)]
    return segment
