"""X12 850 Purchase Order <-> canonical PurchaseOrder."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from translators.canonical import (
    Money,
    OrderLine,
    OrderTotals,
    Packaging,
    Price,
    PurchaseOrder,
    Quantity,
    Reference,
    ReferenceKind,
    Schedule,
)
from translators.errors import RenderError
from translators.x12 import codes
from translators.x12.maps.area import Area, write_common, write_tail
from translators.x12.maps.code_tables import ORDER_TYPE, PURPOSE
from translators.x12.maps.context import Reader, el
from translators.x12.maps.segments import (
    Segment,
    date8,
    num,
    read_dtm,
    read_item_ids,
    write_dtm,
    write_item_ids,
)

BEG_PURPOSE, BEG_TYPE, BEG_PO_NUMBER, BEG_RELEASE, BEG_DATE, BEG_CONTRACT = 1, 2, 3, 4, 5, 6
CUR_CURRENCY = 2
PO1_LINE, PO1_QUANTITY, PO1_UNIT, PO1_PRICE, PO1_BASIS, PO1_FIRST_ID = 1, 2, 3, 4, 5, 6
PID_TYPE, PID_DESCRIPTION = 1, 5
PID_FREE_FORM = "F"
PO4_PACK, PO4_SIZE, PO4_UNIT, PO4_PACKAGING, PO4_WEIGHT, PO4_WEIGHT_UNIT = 1, 2, 3, 4, 6, 7
SCH_QUANTITY, SCH_UNIT, SCH_FIRST_DATE, SCH_SECOND_DATE = 1, 2, 5, 8
CTT_LINES, CTT_HASH = 1, 2
AMT_QUALIFIER, AMT_AMOUNT = 1, 2
TOTAL_AMOUNT_CODES = ("TT", "1", "GV")


class LineDraft:
    """A PO1 loop being read (also used by the 855 map). Its descriptions, packaging and schedules are
    kept in the line's area under their own kinds."""

    __slots__ = ("area", "position", "segment")

    def __init__(self, segment: Segment, position: int) -> None:
        self.segment, self.position, self.area = segment, position, Area()

    def feed(self, r: Reader, segment: Segment) -> None:
        tag = segment[0]
        if tag == "PID" and el(segment, PID_TYPE) == PID_FREE_FORM and el(segment, PID_DESCRIPTION):
            self.area.add(DESCRIPTION, segment[PID_DESCRIPTION])
        elif tag == "PO4":
            self.area.add(PACKAGING, r.read(read_po4, segment))
        elif tag == "SCH":
            self.area.add(SCHEDULE, r.read(read_sch, segment))
        else:
            self.area.feed(r, segment)

    def quantity(self, r: Reader) -> Quantity | None:
        s = self.segment
        return r.read_as(("PO1 quantity", el(s, PO1_QUANTITY), el(s, PO1_UNIT)), _po1_quantity, s)

    def price(self, r: Reader, currency: str | None) -> Price | None:
        s = self.segment
        key = ("PO1 price", el(s, PO1_PRICE), el(s, PO1_BASIS), currency)
        price: Price | None = r.memo.get(key)
        if price is None:
            errors = len(r.errors)
            amount = r.decimal(s, PO1_PRICE)
            if amount is None:
                return None
            money = Money.trusted(amount=amount, currency=currency)
            price = Price.trusted(amount=money, basis=r.text(s, PO1_BASIS))
            if len(r.errors) == errors:
                r.remember(key, price)
        return price


DESCRIPTION, PACKAGING, SCHEDULE = "PID description", "PO4 packaging", "SCH schedule"
LINE_FIELDS = {
    DESCRIPTION: "descriptions",
    PACKAGING: "packaging",
    SCHEDULE: "schedules",
    "DTM": "dates",
    "REF": "references",
    "NTE": "notes",
    "SAC": "allowances_charges",
    "EXT": "extensions",
}
SHARED_KINDS = frozenset({PACKAGING, SCHEDULE, "DTM", "REF", "NTE", "SAC"})
ZERO_QUANTITY = Quantity.trusted(value=Decimal(0))


def _po1_quantity(r: Reader, segment: Segment) -> Quantity | None:
    value = r.decimal(segment, PO1_QUANTITY)
    return Quantity.trusted(value=value, unit=r.text(segment, PO1_UNIT)) if value is not None else None


def read_po4(r: Reader, segment: Segment) -> Packaging:
    weight = r.decimal(segment, PO4_WEIGHT)
    return Packaging.trusted(
        pack=r.integer(segment, PO4_PACK),
        inner_size=r.decimal(segment, PO4_SIZE),
        inner_unit=r.text(segment, PO4_UNIT),
        packaging_code=r.text(segment, PO4_PACKAGING),
        weight=Quantity.trusted(value=weight, unit=r.text(segment, PO4_WEIGHT_UNIT))
        if weight is not None
        else None,
    )


def write_po4(p: Packaging) -> Segment:
    weight = p.weight
    return [
        "PO4", num(p.pack), num(p.inner_size), p.inner_unit or "", p.packaging_code or "", "",
        num(weight.value) if weight else "", (weight.unit or "") if weight else "",
    ]  # fmt: skip


def read_sch(r: Reader, segment: Segment) -> Schedule:
    dates = []
    for start in (SCH_FIRST_DATE, SCH_SECOND_DATE):
        date = read_dtm(r, ["SCH", *segment[start : start + 3]])
        if date is not None:
            dates.append(date)
    value = r.decimal(segment, SCH_QUANTITY)
    quantity = Quantity.trusted(
        value=value if value is not None else Decimal(0), unit=r.text(segment, SCH_UNIT)
    )
    return Schedule.trusted(quantity=quantity, dates=tuple(dates))


def write_sch(s: Schedule) -> Segment:
    if not 1 <= len(s.dates) <= 2:
        raise RenderError("X12 SCH carries one or two dates")
    segment = ["SCH", num(s.quantity.value), s.quantity.unit or "", "", ""]
    for date in s.dates:
        segment += write_dtm(date)[1:]
    return segment


class PurchaseOrderReader:
    """Reads the body of one 850 in a single pass."""

    def __init__(self, r: Reader) -> None:
        self.r = r
        self.header = Area()
        self.lines: list[OrderLine] = []
        self.beg: Segment | None = None
        self.beg_position = 0
        self.currency: str | None = None
        self.line_count: int | None = None
        self.hash_total: Decimal | None = None
        self.amount: Decimal | None = None
        self.summary = False

    def read(self, segments: Iterable[Segment]) -> PurchaseOrder | None:
        r, line = self.r, None
        for segment in segments:
            r.position += 1
            tag = segment[0]
            if tag == "PO1":
                if line is not None:
                    self.lines.append(self.build_line(line))
                line = LineDraft(segment, r.position)
            elif tag == "CTT" or (tag == "AMT" and self.summary):
                if line is not None:
                    self.lines.append(self.build_line(line))
                    line = None
                self.read_summary(segment)
            elif line is not None:
                line.feed(r, segment)
            else:
                self.read_header(segment)
        if line is not None:
            self.lines.append(self.build_line(line))
        return self.build()

    def read_header(self, segment: Segment) -> None:
        tag = segment[0]
        if tag == "BEG":
            self.beg, self.beg_position = segment, self.r.position
        elif tag == "CUR":
            self.currency = el(segment, CUR_CURRENCY) or None
        else:
            self.header.feed(self.r, segment)

    def read_summary(self, segment: Segment) -> None:
        self.summary = True
        if segment[0] == "CTT":
            self.line_count = self.r.integer(segment, CTT_LINES)
            self.hash_total = self.r.decimal(segment, CTT_HASH)
        elif el(segment, AMT_QUALIFIER) in TOTAL_AMOUNT_CODES and self.amount is None:
            self.amount = self.r.decimal(segment, AMT_AMOUNT)
        else:
            self.header.keep(self.r.extension(segment))

    def build_line(self, draft: LineDraft) -> OrderLine:
        r = self.r
        saved, r.position = r.position, draft.position
        try:
            return self._build_line(draft)
        finally:
            r.position = saved

    def _build_line(self, draft: LineDraft) -> OrderLine:
        r, po1, area = self.r, draft.segment, draft.area
        quantity = draft.quantity(r)
        if quantity is None and not el(po1, PO1_QUANTITY):
            r.error(po1, PO1_QUANTITY, codes.ELEMENT_CONDITIONAL_MISSING, "PO102 quantity is required")
        fields: dict[str, Any] = {
            "line_number": r.text(po1, PO1_LINE),
            "quantity": quantity or ZERO_QUANTITY,
            "unit_price": draft.price(r, self.currency),
            "items": read_item_ids(r, po1, PO1_FIRST_ID),
        }
        for kind, values in area.groups().items():
            field = LINE_FIELDS.get(kind)
            if field is not None:
                fields[field] = r.shared(values) if kind in SHARED_KINDS else values
            elif kind == "N1":
                fields["parties"] = area.parties()
        return OrderLine.trusted(**fields)

    def build(self) -> PurchaseOrder | None:
        with self.r.at(self.beg_position):
            return self._build()

    def _build(self) -> PurchaseOrder | None:
        beg, r, h = self.beg, self.r, self.header
        if beg is None:
            return None
        purpose, purpose_code = PURPOSE.read(el(beg, BEG_PURPOSE))
        order_type, type_code = ORDER_TYPE.read(el(beg, BEG_TYPE))
        order_date = r.date(beg, BEG_DATE)
        references = tuple(h.references)
        if el(beg, BEG_CONTRACT):
            references = (
                Reference.trusted(kind=ReferenceKind.CONTRACT, value=el(beg, BEG_CONTRACT)),
                *references,
            )
        if order_date is None:
            return None
        return PurchaseOrder.trusted(
            purpose=purpose,
            purpose_code=purpose_code,
            order_type=order_type,
            order_type_code=type_code,
            po_number=r.required(beg, BEG_PO_NUMBER),
            release_number=r.text(beg, BEG_RELEASE),
            order_date=order_date,
            currency=self.currency,
            parties=h.parties(),
            contacts=tuple(h.contacts),
            references=references,
            dates=tuple(h.dates),
            terms=tuple(h.terms),
            fob=tuple(h.fob),
            carriers=tuple(h.carriers),
            notes=tuple(h.notes),
            allowances_charges=tuple(h.allowances_charges),
            lines=tuple(self.lines),
            totals=self.totals(),
            extensions=tuple(h.extensions),
        )

    def totals(self) -> OrderTotals | None:
        if self.line_count is None and self.amount is None:
            return None
        amount = (
            Money.trusted(amount=self.amount, currency=self.currency) if self.amount is not None else None
        )
        return OrderTotals.trusted(line_count=self.line_count, quantity_total=self.hash_total, amount=amount)


def read_850(r: Reader, segments: Iterable[Segment]) -> PurchaseOrder | None:
    return PurchaseOrderReader(r).read(segments)


def write_850(po: PurchaseOrder) -> list[Segment]:
    if not po.lines:
        raise RenderError("an 850 needs at least one line (PO1)")
    purpose = PURPOSE.code(po.purpose, po.purpose_code) or ""
    order_type = ORDER_TYPE.code(po.order_type, po.order_type_code) or ""
    segments = [["BEG", purpose, order_type, po.po_number, po.release_number or "", date8(po.order_date)]]
    if po.currency:
        segments.append(["CUR", "BY", po.currency])
    segments += write_common(
        references=po.references,
        contacts=po.contacts,
        terms=po.terms,
        fob=po.fob,
        allowances_charges=po.allowances_charges,
        dates=po.dates,
    )
    segments += write_common(carriers=po.carriers)
    segments += write_tail(po.parties, po.notes, po.extensions)
    for line in po.lines:
        segments += write_line(line)
    return segments + write_totals(po.totals)


def write_line(line: OrderLine) -> list[Segment]:
    price = line.unit_price
    po1 = [
        "PO1", line.line_number or "", num(line.quantity.value), line.quantity.unit or "",
        num(price.amount.amount) if price else "", (price.basis or "") if price else "",
        *write_item_ids(line.items),
    ]  # fmt: skip
    segments = [po1, *(["PID", "F", "", "", "", text] for text in line.descriptions)]
    segments += [write_po4(p) for p in line.packaging]
    segments += write_common(
        references=line.references, allowances_charges=line.allowances_charges, dates=line.dates
    )
    segments += [write_sch(s) for s in line.schedules]
    return segments + write_tail(line.parties, line.notes, line.extensions)


def write_totals(totals: OrderTotals | None) -> list[Segment]:
    if totals is None:
        return []
    segments = []
    if totals.line_count is not None:
        segments.append(["CTT", str(totals.line_count), num(totals.quantity_total)])
    if totals.amount is not None:
        segments.append(["AMT", "TT", num(totals.amount.amount)])
    return segments
