"""ORDERS <-> PurchaseOrder (directories D93A..D01B and later; segment groups as in D96A).

Header: BGM (1001 order type, 1004 number, 1225 function), DTM (137 = order date), FTX, RFF (RE = release
number), NAD + CTA/COM, CUX, PAT, TDT, TOD + LOC, ALC; detail: LIN/PIA/IMD, QTY (21), DTM, FTX, PRI,
RFF, PAC, NAD, ALC, SCC + QTY/DTM; summary: UNS, MOA (86), CNT (1, 2). Anything else is kept in
``extensions`` of the document or of the line it appeared in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from translators.canonical import (
    AllowanceCharge,
    DateKind,
    DateRef,
    Extension,
    ItemId,
    Note,
    OrderLine,
    Packaging,
    Party,
    PurchaseOrder,
    Quantity,
    Reference,
    Schedule,
)
from translators.canonical.common import CanonicalModel
from translators.edifact.maps import codes, terms
from translators.edifact.maps.common import (
    Doc,
    Reader,
    contact_segment,
    extension,
    number,
    read_dtm,
    read_ftx,
    read_imd,
    read_nad,
    read_qty,
    read_rff,
    validated,
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


class _Line:
    """Mutable collector for one LIN group: the values every line has in slots, the rarer groups as
    plain fields in ``lists`` (validated per value when the line closes)."""

    __slots__ = ("dates", "descriptions", "items", "lists", "price", "quantity", "segment")

    def __init__(self, seg: Segment, items: list[ItemId]) -> None:
        self.segment = seg
        self.items = items
        self.quantity: Quantity | bool | None = False
        self.price: Any = False
        self.dates: list[DateRef] = []
        self.descriptions: list[str] = []
        self.lists: defaultdict[str, list[Any]] = defaultdict(list)


NAD_GROUP = frozenset({"RFF", "LOC", "FII", "DOC", "CTA", "COM", "DTM"})
GROUP_TRIGGERS = frozenset({"NAD", "CTA", "RFF", "PAT", "TOD", "ALC", "PAC", "SCC"})


def _contacts(party: Doc, seg: Segment) -> bool:
    """Apply a CTA/COM to the party; False when the segment is not a usable contact."""
    return contact_segment(party["contacts"], seg)


class OrdersReader:
    """Walks an ORDERS body once; ``context`` is the trigger of the segment group being read."""

    def __init__(self, message: RawMessage, values: SharedValues | None = None) -> None:
        self.r = Reader(message)
        self.values = values if values is not None else SharedValues()
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
        self.lines: list[OrderLine] = []
        self.line: _Line | None = None
        self.context = ""
        self.totals: dict[str, Any] = {}

    def read(self) -> PurchaseOrder:
        feed, line_segments, triggers = self.feed, LINE_SEGMENTS, GROUP_TRIGGERS
        for seg in self.r.message.body:
            # A segment of an open line outside any group goes straight to its reader (what feed does).
            line, tag = self.line, seg.tag
            if line is not None and self.context not in triggers:
                take = line_segments.get(tag)
                if take is not None:
                    self.context = tag
                    if not take(self, line, seg):
                        self._line_extension(line, seg)
                    continue
            feed(seg)
        self._close_line()
        if "po_number" not in self.head:
            raise self.r.missing("BGM")
        if "order_date" not in self.head:
            raise self.r.missing("DTM+137")
        return PurchaseOrder.model_validate(
            {**self.head, **without_empty(self.lists), "lines": self.lines, "totals": self.totals or None}
        )

    def feed(self, seg: Segment) -> None:
        tag, line = seg.tag, self.line
        if tag == "LIN":
            self._close_line()
            self.line = _Line(seg, self.values.item_ids(seg, 3))
            self.context = "LIN"
        elif tag == "UNS":
            self._close_line()
            self.context = "UNS"
        elif line is not None:
            if self.context not in GROUP_TRIGGERS or not self._in_group(line.lists, seg):
                self.context = tag
                take = LINE_SEGMENTS.get(tag)
                if take is None or not take(self, line, seg):
                    self._line_extension(line, seg)
        elif self.context == "UNS":
            self._summary(seg)
        elif not self._in_group(self.lists, seg):
            self._header(seg)

    def _line_extension(self, line: _Line, seg: Segment) -> None:
        """A line segment without a canonical home: kept verbatim, and it closes the open group."""
        self.context = "" if seg.tag != "ALC" else "ALC-"
        line.lists["extensions"].append(extension(seg))

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
        elif tag == "NAD":
            lists["parties"].append(self.values.party(seg))
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

    def _close_line(self) -> None:
        line = self.line
        if line is None:
            return
        self.line = None
        quantity = line.quantity
        if quantity is None or quantity is False:
            raise self.r.missing("QTY", line.segment)
        lists, price = line.lists, line.price
        fields = {
            "line_number": line.segment.get(1) or None,
            "quantity": quantity,
            "unit_price": price if price is not False else None,
            "items": tuple(line.items),
            "descriptions": tuple(line.descriptions),
            "packaging": (),
            "schedules": (),
            "dates": tuple(line.dates),
            "references": (),
            "parties": (),
            "notes": (),
            "allowances_charges": (),
            "extensions": (),
        }
        if lists:
            for field, model in LINE_GROUPS:
                fields[field] = validated(model, lists.get(field))
        self.lines.append(OrderLine.trusted_fields(fields))

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


def _line_quantity(o: OrdersReader, line: _Line, seg: Segment) -> bool:
    if line.quantity is not False or seg.get(1, 1) not in (codes.QTY_ORDERED, "1"):
        return False
    line.quantity = o.values.quantity(o.r, seg)
    return True


def _line_date(o: OrdersReader, line: _Line, seg: Segment) -> bool:
    date = o.values.date(o.r, seg)
    if date is None:
        return False
    line.dates.append(date)
    return True


def _line_price(o: OrdersReader, line: _Line, seg: Segment) -> bool:
    if line.price is not False:
        return False
    line.price = o.values.price(o.r, seg, o.head.get("currency"))
    return True


def _line_description(_o: OrdersReader, line: _Line, seg: Segment) -> bool:
    text = read_imd(seg)
    if text:
        line.descriptions.append(text)
    return bool(text)


def _line_items(o: OrdersReader, line: _Line, seg: Segment) -> bool:
    line.items.extend(o.values.item_ids(seg, 2, 5))
    return True


def _line_charge(_o: OrdersReader, line: _Line, seg: Segment) -> bool:
    charge = terms.read_alc(seg)
    if charge is not None:
        line.lists["allowances_charges"].append(charge)
    return charge is not None


def _line_list(field: str, read: Callable[[Reader, Segment], Doc]) -> LineSegment:
    def take(o: OrdersReader, line: _Line, seg: Segment) -> bool:
        line.lists[field].append(read(o.r, seg))
        return True

    return take


LINE_GROUPS: tuple[tuple[str, type[CanonicalModel]], ...] = (
    ("packaging", Packaging),
    ("schedules", Schedule),
    ("references", Reference),
    ("parties", Party),
    ("notes", Note),
    ("allowances_charges", AllowanceCharge),
    ("extensions", Extension),
)
"""The rarer groups of a line, kept as plain fields while it is read, validated when it closes."""

LineSegment = Callable[[OrdersReader, _Line, Segment], bool]
LINE_SEGMENTS: dict[str, LineSegment] = {
    "QTY": _line_quantity,
    "DTM": _line_date,
    "PRI": _line_price,
    "IMD": _line_description,
    "PIA": _line_items,
    "FTX": _line_list("notes", lambda _r, seg: read_ftx(seg)),
    "RFF": _line_list("references", lambda _r, seg: read_rff(seg)),
    "PAC": _line_list("packaging", terms.read_pac),
    "NAD": _line_list("parties", lambda _r, seg: read_nad(seg)),
    "ALC": _line_charge,
    "SCC": lambda _o, _line, _seg: True,
}
HEADER_READERS: dict[str, tuple[str, Callable[[Segment], Doc]]] = {
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
