"""ORDERS <-> PurchaseOrder (directories D93A..D01B and later; segment groups as in D96A).

Header: BGM (1001 order type, 1004 number, 1225 function), DTM (137 = order date), FTX, RFF (RE = release
number), NAD + CTA/COM, CUX, PAT, TDT, TOD + LOC, ALC; detail: LIN/PIA/IMD, QTY (21), DTM, FTX, PRI,
RFF, PAC, NAD, ALC, SCC + QTY/DTM; summary: UNS, MOA (86), CNT (1, 2). Anything else is kept in
``extensions`` of the document or of the line it appeared in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from translators.canonical import (
    DateKind,
    DateRef,
    OrderLine,
    PurchaseOrder,
)
from translators.edifact.maps import codes, terms
from translators.edifact.maps.common import (
    Doc,
    Reader,
    contact_segment,
    extension,
    item_ids,
    number,
    read_dtm,
    read_ftx,
    read_imd,
    read_nad,
    read_pri,
    read_qty,
    read_rff,
    without_empty,
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
from translators.edifact.maps.values import SharedValues
from translators.edifact.messages import RawMessage
from translators.edifact.render import SegmentSpec
from translators.edifact.syntax import Segment

BGM_NAME, BGM_NUMBER, BGM_FUNCTION = 1, 2, 3
CUX_DETAIL = 1
RFF_RELEASE = "RE"


LINE_LISTS = (
    "descriptions",
    "packaging",
    "schedules",
    "dates",
    "references",
    "parties",
    "notes",
    "allowances_charges",
    "extensions",
)


class _Line:
    """Mutable collector for one LIN group."""

    def __init__(self, seg: Segment) -> None:
        self.fields: dict[str, Any] = {"line_number": seg.get(1) or None}
        self.items = item_ids(seg, 3)
        self.lists: dict[str, list[Any]] = {k: [] for k in LINE_LISTS}
        self.segment = seg


NAD_GROUP = frozenset({"RFF", "LOC", "FII", "DOC", "CTA", "COM", "DTM"})
GROUP_TRIGGERS = frozenset({"NAD", "CTA", "RFF", "PAT", "TOD", "ALC", "PAC", "SCC"})


def _contacts(party: Doc, seg: Segment) -> bool:
    """Apply a CTA/COM to the party; False when the segment is not a usable contact."""
    return contact_segment(party["contacts"], seg)


class OrdersReader:
    """Walks an ORDERS body once; ``context`` is the trigger of the segment group being read."""

    def __init__(self, message: RawMessage, values: SharedValues | None = None) -> None:
        self.r = Reader(message)
        self.values = values
        self.head: dict[str, Any] = {}
        self.lists: dict[str, list[Any]] = {
            k: []
            for k in (
                "parties",
                "contacts",
                "references",
                "dates",
                "terms",
                "fob",
                "carriers",
                "notes",
                "allowances_charges",
                "extensions",
            )
        }
        self.lines: list[Doc] = []
        self.line: _Line | None = None
        self.context = ""
        self.totals: dict[str, Any] = {}

    def read(self) -> PurchaseOrder:
        feed = self.feed
        for seg in self.r.message.body:
            feed(seg)
        self._close_line()
        if "po_number" not in self.head:
            raise self.r.missing("BGM")
        if "order_date" not in self.head:
            raise self.r.missing("DTM+137")
        values = self.values
        if values is not None:
            self._share(values)
        po = PurchaseOrder.model_validate(
            {**self.head, **without_empty(self.lists), "lines": self.lines, "totals": self.totals or None}
        )
        if values is not None and values.missed():
            self._learn(values, po)
        return po

    def _learn(self, values: SharedValues, po: PurchaseOrder) -> None:
        """Remember the value objects validation built where the lines still held plain fields."""
        pairs = list(zip(self.lines, po.lines, strict=True))
        if values.quantities.missed:
            values.quantities.learn((given["quantity"], line.quantity) for given, line in pairs)
        if values.prices.missed:
            values.prices.learn(
                (given["unit_price"], line.unit_price) for given, line in pairs if "unit_price" in given
            )
        if values.items.missed:
            values.items.learn(
                pair for given, line in pairs for pair in zip(given["items"], line.items, strict=False)
            )
        if values.dates.missed:
            values.dates.learn(
                pair
                for given, line in pairs
                if "dates" in given
                for pair in zip(given["dates"], line.dates, strict=False)
            )
        values.learned()

    def _share(self, values: SharedValues) -> None:
        """Put instances already built for repeated line values in place of their plain fields."""
        for line in self.lines:
            line["quantity"] = values.quantities.use(line["quantity"])
            if "unit_price" in line:
                line["unit_price"] = values.prices.use(line["unit_price"])
            values.items.use_all(line["items"])
            if "dates" in line:
                values.dates.use_all(line["dates"])

    def feed(self, seg: Segment) -> None:
        tag, line = seg.tag, self.line
        if tag == "LIN":
            self._close_line()
            self.line = _Line(seg)
            self.context = "LIN"
        elif tag == "UNS":
            self._close_line()
            self.context = "UNS"
        elif line is not None:
            if self.context not in GROUP_TRIGGERS or not self._in_group(line.lists, seg):
                self._line_segment(line, seg)
        elif self.context == "UNS":
            self._summary(seg)
        elif not self._in_group(self.lists, seg):
            self._header(seg)

    def _in_group(self, lists: dict[str, list[Any]], seg: Segment) -> bool:
        """Segments inside the open NAD / RFF / PAT / TOD / ALC / PAC / SCC group."""
        context, tag, r = self.context, seg.tag, self.r
        if context not in GROUP_TRIGGERS:
            return False
        if context == "NAD" and tag in NAD_GROUP:
            if not _contacts(lists["parties"][-1], seg):
                lists["extensions"].append(extension(seg))
        elif context == "CTA" and tag == "COM" and "contacts" in lists:
            contact_segment(lists["contacts"], seg)
        elif context == "RFF" and tag == "DTM":
            lists["extensions"].append(extension(seg))
        elif context == "PAT" and tag in ("DTM", "PCD"):
            terms.amend_pat(r, lists["terms"][-1], seg)
        elif context == "TOD" and tag == "LOC":
            terms.amend_tod(lists["fob"][-1], seg)
        elif context == "ALC" and tag in ("MOA", "PCD", "RTE", "QTY"):
            terms.amend_alc(r, lists["allowances_charges"][-1], seg, self.head.get("currency"))
        elif context == "PAC" and tag in ("MEA", "QTY"):
            terms.amend_pac(r, lists["packaging"][-1], seg)
        elif context == "SCC" and tag in ("QTY", "DTM"):
            self._schedule(lists["schedules"], seg)
        else:
            return False
        return True

    def _schedule(self, schedules: list[Doc], seg: Segment) -> None:
        if seg.tag == "QTY":
            quantity = read_qty(self.r, seg)
            if quantity is not None:
                schedules.append({"quantity": quantity, "dates": []})
            return
        date = read_dtm(self.r, seg)
        if date is not None and schedules:
            schedules[-1]["dates"].append(date)

    def _header(self, seg: Segment) -> None:
        tag, lists = seg.tag, self.lists
        self.context = tag
        if tag == "BGM":
            self._bgm(seg)
        elif tag == "DTM":
            self._dtm(seg)
        elif tag == "RFF":
            if seg.get(1, 1) == RFF_RELEASE and "release_number" not in self.head:
                self.head["release_number"] = seg.get(1, 2)
            else:
                lists["references"].append(read_rff(seg))
        elif tag in HEADER_READERS:
            field, reader = HEADER_READERS[tag]
            lists[field].append(reader(seg))
        elif tag == "CTA":
            contact_segment(lists["contacts"], seg)
        elif tag == "CUX":
            self.head["currency"] = seg.get(CUX_DETAIL, 2) or None
        elif tag == "ALC" and (charge := terms.read_alc(seg)) is not None:
            lists["allowances_charges"].append(charge)
        else:
            self.context = "" if tag != "ALC" else "ALC-"
            lists["extensions"].append(extension(seg))

    def _bgm(self, seg: Segment) -> None:
        order_type, type_code = codes.ORDER_TYPE.read(seg.get(BGM_NAME))
        purpose, purpose_code = codes.PURPOSE.read(seg.get(BGM_FUNCTION) or "9")
        self.head.update(
            po_number=self.r.require(seg, BGM_NUMBER),
            order_type=order_type,
            order_type_code=type_code,
            purpose=purpose,
            purpose_code=purpose_code,
        )

    def _dtm(self, seg: Segment) -> None:
        date = read_dtm(self.r, seg)
        if date is None:
            self.lists["extensions"].append(extension(seg))
        elif (
            date["kind"] is DateKind.DOCUMENT and date["qualifier"] is None and "order_date" not in self.head
        ):
            self.head["order_date"] = date["date"]
        else:
            self.lists["dates"].append(date)

    def _line_segment(self, line: _Line, seg: Segment) -> None:
        tag, r, lists = seg.tag, self.r, line.lists
        self.context = tag
        if tag == "QTY" and "quantity" not in line.fields and seg.get(1, 1) in (codes.QTY_ORDERED, "1"):
            line.fields["quantity"] = read_qty(r, seg)
        elif tag == "DTM" and (date := read_dtm(r, seg)) is not None:
            lists["dates"].append(date)
        elif tag == "PIA":
            line.items.extend(item_ids(seg, 2, 5))
        elif tag == "IMD" and (text := read_imd(seg)):
            lists["descriptions"].append(text)
        elif tag == "FTX":
            lists["notes"].append(read_ftx(seg))
        elif tag == "PRI" and "unit_price" not in line.fields:
            line.fields["unit_price"] = read_pri(r, seg, self.head.get("currency"))
        elif tag == "RFF":
            lists["references"].append(read_rff(seg))
        elif tag == "PAC":
            lists["packaging"].append(terms.read_pac(r, seg))
        elif tag == "NAD":
            lists["parties"].append(read_nad(seg))
        elif tag == "ALC" and (charge := terms.read_alc(seg)) is not None:
            lists["allowances_charges"].append(charge)
        elif tag != "SCC":
            self.context = "" if tag != "ALC" else "ALC-"
            lists["extensions"].append(extension(seg))

    def _close_line(self) -> None:
        line = self.line
        if line is None:
            return
        self.line = None
        fields = line.fields
        if fields.get("quantity") is None:
            raise self.r.missing("QTY", line.segment)
        fields["items"] = line.items
        for key, values in line.lists.items():
            if values:
                fields[key] = values
        self.lines.append(fields)

    def _summary(self, seg: Segment) -> None:
        r, qualifier = self.r, seg.get(1, 1)
        if (
            seg.tag == "MOA"
            and qualifier in (codes.MOA_TOTAL, codes.MOA_LINE_TOTAL)
            and "amount" not in self.totals
        ):
            amount = r.decimal(seg, 1, 2)
            if amount is not None:
                self.totals["amount"] = {"amount": amount, "currency": self.head.get("currency")}
        elif seg.tag == "CNT" and qualifier == codes.CNT_LINES:
            self.totals["line_count"] = r.integer(seg, 1, 2)
        elif seg.tag == "CNT" and qualifier == codes.CNT_QUANTITY:
            self.totals["quantity_total"] = r.decimal(seg, 1, 2)
        else:
            self.lists["extensions"].append(extension(seg))


HEADER_READERS: dict[str, tuple[str, Callable[[Segment], Doc]]] = {
    "NAD": ("parties", read_nad),
    "FTX": ("notes", read_ftx),
    "PAT": ("terms", terms.read_pat),
    "TDT": ("carriers", terms.read_tdt),
    "TOD": ("fob", terms.read_tod),
}


def orders_to_po(message: RawMessage, values: SharedValues | None = None) -> PurchaseOrder:
    """Translate one ORDERS message; ``values`` shares repeated value objects across messages."""
    return OrdersReader(message, values).read()


def _line_segments(line: OrderLine) -> list[SegmentSpec]:
    out = write_items(line.line_number, None, line.items)
    out.extend(write_imd(text) for text in line.descriptions)
    out.append(write_qty(codes.QTY_ORDERED, line.quantity))
    out.extend(write_dtm(date) for date in line.dates)
    out.extend(write_ftx(note) for note in line.notes)
    if line.unit_price is not None:
        out.append(write_pri(line.unit_price))
    out.extend(write_rff(ref) for ref in line.references)
    for pack in line.packaging:
        out.extend(terms.write_pac(pack))
    for party in line.parties:
        out.extend(write_nad(party))
    for charge in line.allowances_charges:
        out.extend(terms.write_alc(charge))
    for schedule in line.schedules:
        out.append(("SCC", ["1"]))
        out.append(write_qty(codes.QTY_ORDERED, schedule.quantity))
        out.extend(write_dtm(date) for date in schedule.dates)
    out.extend(write_extension(ext) for ext in line.extensions)
    return out


def _header_segments(po: PurchaseOrder) -> list[SegmentSpec]:
    out: list[SegmentSpec] = [
        (
            "BGM",
            [
                codes.ORDER_TYPE.code(po.order_type, po.order_type_code),
                po.po_number,
                codes.PURPOSE.code(po.purpose, po.purpose_code),
            ],
        ),
        write_dtm(DateRef(kind=DateKind.DOCUMENT, date=po.order_date)),
    ]
    out.extend(write_dtm(date) for date in po.dates)
    out.extend(write_ftx(note) for note in po.notes)
    if po.release_number is not None:
        out.append(("RFF", [[RFF_RELEASE, po.release_number]]))
    out.extend(write_rff(ref) for ref in po.references)
    for contact in po.contacts:
        out.extend(write_contact(contact))
    for party in po.parties:
        out.extend(write_nad(party))
    out.extend(write_extension(ext) for ext in po.extensions)
    if po.currency is not None:
        out.append(("CUX", [[codes.CURRENCY_REFERENCE, po.currency, "9"]]))
    for term in po.terms:
        out.extend(terms.write_pat(term))
    out.extend(terms.write_tdt(carrier) for carrier in po.carriers)
    for fob in po.fob:
        out.extend(terms.write_tod(fob))
    for charge in po.allowances_charges:
        out.extend(terms.write_alc(charge))
    return out


def po_to_orders(po: PurchaseOrder) -> list[SegmentSpec]:
    """The ORDERS body (between UNH and UNT) for a purchase order."""
    out = _header_segments(po)
    for line in po.lines:
        out.extend(_line_segments(line))
    out.append(("UNS", ["S"]))
    totals = po.totals
    if totals is not None:
        if totals.amount is not None:
            out.append(("MOA", [[codes.MOA_TOTAL, number(totals.amount.amount)]]))
        if totals.quantity_total is not None:
            out.append(("CNT", [[codes.CNT_QUANTITY, number(totals.quantity_total)]]))
        if totals.line_count is not None:
            out.append(("CNT", [[codes.CNT_LINES, str(totals.line_count)]]))
    return out
