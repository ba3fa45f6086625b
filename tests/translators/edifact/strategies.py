"""Hypothesis strategies for canonical documents EDIFACT carries exactly: codes the EDIFACT code tables
know, text full of service characters and non-ASCII letters (released and UTF-8/Latin-1 encoded on the
way), decimals without exponents, and the shapes the maps document (one primary line status, tares with
packs, one order per DESADV)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from hypothesis import strategies as st

from translators.canonical import (
    AckLevelStatus,
    AckLine,
    Acknowledgement,
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Carrier,
    Contact,
    DateRef,
    ElementNote,
    Equipment,
    Extension,
    Fob,
    FunctionalAck,
    GroupAck,
    ItemId,
    LineAck,
    LineStatus,
    Lot,
    Mark,
    Measure,
    MessageAck,
    Money,
    Note,
    OrderLine,
    OrderTotals,
    Pack,
    Packaging,
    Party,
    PartyId,
    PartyIdScheme,
    PaymentTerms,
    Price,
    PurchaseOrder,
    Purpose,
    Quantity,
    Reference,
    ReferenceKind,
    Schedule,
    SegmentNote,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tare,
)
from translators.edifact.maps import codes
from translators.edifact.syntax import ServiceChars

E = TypeVar("E", bound=StrEnum)
TEXT = st.text("ABCXYZabcxyz0189 +:'?*.,-/&äöüßéŁ", min_size=1, max_size=40).filter(lambda s: s.strip() == s)
CODE = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=2, max_size=3)
DIGITS = st.integers(1, 99_999_999).map(str)
UNIT = st.sampled_from(["PCE", "KGM", "MTR", "CT", "EA"])
DATES = st.dates(dt.date(1990, 1, 1), dt.date(2089, 12, 31))
TIMES = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
AMOUNT = st.decimals(Decimal(0), Decimal(999_999), places=3, allow_nan=False, allow_infinity=False)
SERVICE_CHARS = st.sampled_from(
    [
        ServiceChars(),
        ServiceChars(repetition="*"),
        ServiceChars("^", "*", ",", "?", "~", "$"),
        ServiceChars("=", "|", ".", "\\", "#", "'"),
    ]
)


def small(strategy: st.SearchStrategy[Any], max_size: int = 2) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=max_size).map(tuple)


def coded(table: codes.CodeMap[E], *exclude: E) -> st.SearchStrategy[E]:
    return st.sampled_from([m for m in table.by_member if m not in exclude])


def quantity() -> st.SearchStrategy[Quantity]:
    return st.builds(Quantity, value=AMOUNT, unit=st.none() | UNIT)


def date_ref() -> st.SearchStrategy[DateRef]:
    kinds = coded(codes.DATE_KIND, *[k for k, v in codes.DATE_KIND.by_member.items() if v == "137"])
    return st.builds(DateRef, kind=kinds, date=DATES, time=st.none() | TIMES)


def reference(*exclude: ReferenceKind) -> st.SearchStrategy[Reference]:
    return st.builds(
        Reference, kind=coded(codes.REFERENCE_KIND, *exclude), value=TEXT, description=st.none() | TEXT
    )


def note() -> st.SearchStrategy[Note]:
    return st.builds(Note, text=TEXT, topic=CODE)


def contact() -> st.SearchStrategy[Contact]:
    return st.builds(
        Contact,
        function=CODE,
        name=st.none() | TEXT,
        phone=st.none() | DIGITS,
        email=st.none() | TEXT,
        fax=st.none(),
    )


def party() -> st.SearchStrategy[Party]:
    schemes = coded(codes.PARTY_ID, PartyIdScheme.OTHER)
    address = st.builds(
        Address,
        lines=small(TEXT, 3),
        city=TEXT,
        region=st.none() | CODE,
        postal_code=st.none() | DIGITS,
        country=st.none() | st.just("DE"),
    )
    return st.builds(
        Party,
        role=coded(codes.PARTY_ROLE),
        name=st.none() | TEXT,
        additional_names=small(TEXT),
        ids=small(st.builds(PartyId, scheme=schemes, value=DIGITS), 1),
        address=st.none() | address,
        contacts=small(contact(), 1),
    )


def items() -> st.SearchStrategy[tuple[ItemId, ...]]:
    return small(st.builds(ItemId, kind=coded(codes.ITEM_ID), value=TEXT), 7)


def price(currency: str | None) -> st.SearchStrategy[Price]:
    return st.builds(
        Price, amount=st.builds(Money, amount=AMOUNT, currency=st.just(currency)), basis=st.none() | CODE
    )


def extension() -> st.SearchStrategy[Extension]:
    elements = st.lists(st.lists(TEXT, min_size=1, max_size=3).map(tuple), min_size=1, max_size=3).map(tuple)
    return st.builds(Extension, tag=st.sampled_from(["GIR", "ZZA", "QVR"]), elements=elements)


def charge(currency: str | None) -> st.SearchStrategy[AllowanceCharge]:
    return st.builds(
        AllowanceCharge,
        indicator=st.sampled_from(AllowanceOrCharge),
        code=st.none() | CODE,
        amount=st.none() | st.builds(Money, amount=AMOUNT, currency=st.just(currency)),
        percent=st.none() | AMOUNT,
        rate=st.none() | AMOUNT,
        quantity=st.none() | quantity(),
        handling=st.none() | DIGITS,
        description=st.none() | TEXT,
    )


def packaging() -> st.SearchStrategy[Packaging]:
    inner = st.none() | st.tuples(AMOUNT, st.none() | UNIT)
    return st.builds(
        lambda pack, code, weight, size: Packaging(
            pack=pack,
            packaging_code=code,
            weight=weight,
            inner_size=size[0] if size else None,
            inner_unit=size[1] if size else None,
        ),
        st.none() | st.integers(0, 999),
        st.none() | CODE,
        st.none() | quantity(),
        inner,
    )


def order_line(currency: str | None) -> st.SearchStrategy[OrderLine]:
    return st.builds(
        OrderLine,
        line_number=DIGITS,
        quantity=quantity(),
        unit_price=st.none() | price(currency),
        items=items(),
        descriptions=small(TEXT),
        packaging=small(packaging(), 1),
        schedules=small(st.builds(Schedule, quantity=quantity(), dates=small(date_ref(), 1))),
        dates=small(date_ref()),
        references=small(reference()),
        parties=small(party(), 1),
        notes=small(note(), 1),
        allowances_charges=small(charge(currency), 1),
        extensions=small(extension(), 1),
    )


def terms() -> st.SearchStrategy[PaymentTerms]:
    return st.builds(
        lambda kind, days, due, pct, text: PaymentTerms(
            type_code=kind,
            basis_code="5",
            net_days=None if kind == "22" else days,
            discount_days=days if kind == "22" else None,
            net_due_date=due,
            discount_percent=pct,
            description=text,
        ),
        st.sampled_from(["1", "22"]),
        st.none() | st.integers(0, 120),
        st.none() | DATES,
        st.none() | AMOUNT,
        st.none() | TEXT,
    )


@st.composite
def purchase_orders(draw: st.DrawFn) -> PurchaseOrder:
    currency = draw(st.none() | st.sampled_from(["EUR", "USD", "PLN"]))
    location = draw(st.none() | st.tuples(CODE, TEXT))
    fob = Fob(
        payment_method=draw(CODE),
        description=draw(st.none() | TEXT),
        location_qualifier=location[0] if location else None,
        location=location[1] if location else None,
    )
    carrier = st.builds(
        Carrier,
        routing_sequence=st.none() | DIGITS.filter(lambda d: d != "20"),
        id=st.none() | TEXT,
        id_qualifier=st.none() | DIGITS,
        transport_method=st.none() | DIGITS,
        name=st.none() | TEXT,
        service_level=st.none() | DIGITS,
    )
    totals = st.builds(
        OrderTotals,
        line_count=st.none() | st.integers(0, 999),
        quantity_total=st.none() | AMOUNT,
        amount=st.none() | st.builds(Money, amount=AMOUNT, currency=st.just(currency)),
    )
    return PurchaseOrder(
        purpose=draw(coded(codes.PURPOSE, Purpose.OTHER)),
        order_type=draw(coded(codes.ORDER_TYPE)),
        po_number=draw(TEXT),
        release_number=draw(st.none() | TEXT),
        order_date=draw(DATES),
        currency=currency,
        parties=draw(small(party(), 3)),
        contacts=draw(small(contact(), 1)),
        references=draw(small(reference())),
        dates=draw(small(date_ref())),
        terms=draw(small(terms(), 1)),
        fob=(fob,) if draw(st.booleans()) else (),
        carriers=draw(small(carrier, 1)),
        notes=draw(small(note())),
        allowances_charges=draw(small(charge(currency), 1)),
        lines=draw(small(order_line(currency), 3)),
        totals=draw(st.none() | totals.filter(lambda t: t != OrderTotals())),
        extensions=draw(small(extension(), 1)),
    )


def line_statuses() -> st.SearchStrategy[tuple[LineAck, ...]]:
    dated = st.none() | date_ref()

    def with_quantity(status: LineStatus) -> st.SearchStrategy[LineAck]:
        return st.builds(LineAck, status=st.just(status), quantity=quantity(), date=dated)

    primary_status = coded(codes.LINE_STATUS, LineStatus.OTHER)
    primary = primary_status.flatmap(lambda s: st.builds(LineAck, status=st.just(s)) | with_quantity(s))
    backorders = small(with_quantity(LineStatus.BACKORDERED), 2)
    return st.tuples(st.none() | primary, backorders).map(lambda t: ((t[0],) if t[0] else ()) + t[1])


def ack_line(currency: str | None) -> st.SearchStrategy[AckLine]:
    return st.builds(
        AckLine,
        line_number=DIGITS,
        ordered_quantity=st.none() | quantity(),
        unit_price=st.none() | price(currency),
        items=items(),
        descriptions=small(TEXT),
        statuses=line_statuses(),
        schedules=small(st.builds(Schedule, quantity=quantity(), dates=small(date_ref(), 1))),
        dates=small(date_ref()),
        references=small(reference()),
        notes=small(note(), 1),
        extensions=small(extension(), 1),
    )


@st.composite
def acknowledgements(draw: st.DrawFn) -> Acknowledgement:
    currency = draw(st.none() | st.sampled_from(["EUR", "USD"]))
    purpose = draw(
        st.sampled_from([Purpose.ORIGINAL, Purpose.CANCELLATION, Purpose.REPLACE, Purpose.DUPLICATE])
    )
    table = codes.ACK_RESPONSE if purpose is not Purpose.ORIGINAL else codes.ACK_FUNCTION
    status = draw(st.sampled_from([*table.by_member, *codes.ACK_RESPONSE.by_member]))
    if purpose is not Purpose.ORIGINAL:
        status = draw(st.sampled_from(list(codes.ACK_RESPONSE.by_member)))
    return Acknowledgement(
        purpose=purpose,
        status=status,
        po_number=draw(TEXT),
        po_date=draw(st.none() | DATES),
        ack_number=draw(st.none() | TEXT),
        ack_date=draw(st.none() | DATES),
        release_number=draw(st.none() | TEXT),
        currency=currency,
        parties=draw(small(party(), 2)),
        contacts=draw(small(contact(), 1)),
        references=draw(small(reference())),
        dates=draw(small(date_ref())),
        notes=draw(small(note())),
        lines=draw(small(ack_line(currency), 3)),
        line_count=draw(st.none() | st.integers(0, 99)),
        extensions=draw(small(extension(), 1)),
    )


NOT_IN_DESADV = (ReferenceKind.PURCHASE_ORDER, ReferenceKind.TRACKING)


def measure() -> st.SearchStrategy[Measure]:
    weight = st.none() | st.tuples(st.sampled_from(["AAB", "AAA", "AAD"]), quantity())
    return st.builds(
        lambda code, count, w, volume: Measure(
            packaging_code=code,
            lading_quantity=count,
            weight_qualifier=w[0] if w else None,
            weight=w[1] if w else None,
            volume=volume,
        ),
        st.none() | CODE,
        st.none() | st.integers(0, 999),
        weight,
        st.none() | quantity(),
    )


def ship_item() -> st.SearchStrategy[ShipItem]:
    lot = st.builds(Lot, number=TEXT, quantity=st.none() | quantity(), expiry=st.none() | DATES)
    return st.builds(
        ShipItem,
        line_number=DIGITS,
        items=items(),
        shipped_quantity=quantity(),
        ordered_quantity=st.none() | quantity(),
        status_code=st.none() | DIGITS,
        unit_price=st.none() | price(None),
        descriptions=small(TEXT),
        lots=small(lot),
        serial_numbers=small(TEXT, 7),
        dates=small(date_ref()),
        references=small(reference(*NOT_IN_DESADV)),
        notes=small(note(), 1),
        extensions=small(extension(), 1),
    )


SSCC = st.from_regex(r"3[0-9]{17}", fullmatch=True)
MARK = st.builds(Mark, qualifier=CODE.filter(lambda c: c != "33E"), value=TEXT)


def pack() -> st.SearchStrategy[Pack]:
    return st.builds(
        Pack,
        sscc=st.none() | SSCC,
        tracking_number=st.none() | TEXT,
        marks=small(MARK, 1),
        measures=small(measure(), 1),
        references=small(reference(*NOT_IN_DESADV)),
        dates=small(date_ref(), 1),
        items=small(ship_item()),
        extensions=small(extension(), 1),
    )


def tare() -> st.SearchStrategy[Tare]:
    return st.builds(
        Tare,
        sscc=st.none() | SSCC,
        marks=small(MARK, 1),
        measures=small(measure(), 1),
        references=small(reference(*NOT_IN_DESADV)),
        packs=st.lists(pack(), min_size=1, max_size=2).map(tuple),
        items=small(ship_item(), 1),
        extensions=small(extension(), 1),
    )


@st.composite
def ship_notices(draw: st.DrawFn) -> ShipNotice:
    order = ShipOrder(
        po_number=draw(st.none() | TEXT),
        po_date=None,
        release_number=draw(st.none() | TEXT),
        items=draw(small(ship_item())),
        tares=draw(small(tare(), 1)),
        packs=draw(small(pack())),
    )
    if order.po_number is not None:
        order = order.model_copy(update={"po_date": draw(st.none() | DATES)})
    equipment = st.builds(
        Equipment, type_code=CODE, number=TEXT, initial=st.none() | TEXT, seal_numbers=small(TEXT)
    )
    location = draw(st.none() | st.tuples(CODE, TEXT))
    fob = Fob(
        payment_method=draw(CODE),
        location_qualifier=location[0] if location else None,
        location=location[1] if location else None,
    )
    carrier = st.builds(
        Carrier,
        routing_sequence=st.none() | DIGITS.filter(lambda d: d != "20"),
        id=st.none() | TEXT,
        name=st.none() | TEXT,
    )
    return ShipNotice(
        purpose=draw(coded(codes.PURPOSE, Purpose.OTHER)),
        shipment_id=draw(TEXT),
        notice_date=draw(DATES),
        notice_time=draw(st.none() | TIMES),
        measures=draw(small(measure(), 1)) if order.tares or order.packs else (),
        carriers=draw(small(carrier, 1)),
        equipment=draw(small(equipment, 1)),
        fob=(fob,) if draw(st.booleans()) else (),
        references=draw(small(reference(*NOT_IN_DESADV))),
        dates=draw(small(date_ref())),
        parties=draw(small(party(), 2)),
        notes=draw(small(note())),
        orders=(order,),
        line_count=draw(st.none() | st.integers(0, 999)),
        extensions=draw(small(extension(), 1)),
    )


def message_ack() -> st.SearchStrategy[MessageAck]:
    ucs = st.builds(
        SegmentNote,
        tag=st.just(""),
        position=st.integers(2, 999),
        code=st.none() | DIGITS,
        elements=small(
            st.builds(
                ElementNote, position=st.integers(1, 99), component=st.none() | st.integers(1, 9), code=DIGITS
            )
        ),
    )

    def build(code: str | None, service: bool, position: int, notes: tuple[SegmentNote, ...]) -> MessageAck:
        service_notes: tuple[SegmentNote, ...] = ()
        if code is not None and service:
            element = ElementNote(position=position, code=code)
            service_notes = (SegmentNote(tag="UNT", position=0, code=code, elements=(element,)),)
        return MessageAck(
            message_type="ORDERS",
            control_number="M1",
            implementation_ref="D:96A:UN",
            status=AckLevelStatus.REJECTED if code or notes else AckLevelStatus.ACCEPTED,
            error_codes=(code,) if code else (),
            segments=service_notes + notes,
        )

    return st.builds(
        build, st.none() | st.sampled_from(["28", "29"]), st.booleans(), st.integers(1, 2), small(ucs)
    )


@st.composite
def functional_acks(draw: st.DrawFn) -> FunctionalAck:
    status = draw(
        st.sampled_from([AckLevelStatus.ACCEPTED, AckLevelStatus.REJECTED, AckLevelStatus.RECEIVED])
    )
    messages = draw(st.lists(message_ack(), min_size=1, max_size=3))
    messages = [m.model_copy(update={"control_number": f"M{i}"}) for i, m in enumerate(messages)]
    grouped = draw(st.booleans())
    if grouped:
        groups = (
            GroupAck(
                control_number="G1",
                status=draw(st.sampled_from([AckLevelStatus.ACCEPTED, AckLevelStatus.REJECTED])),
                messages=tuple(messages),
            ),
        )
    else:
        groups = (GroupAck(status=status, messages=tuple(messages)),)
    code = (
        draw(st.none() | st.sampled_from(["13", "28", "29"])) if status is AckLevelStatus.REJECTED else None
    )
    detail = (Extension(tag="UCI", elements=(("UNZ",), ("2",))),) if code and draw(st.booleans()) else ()
    return FunctionalAck(
        interchange_ref=draw(DIGITS),
        interchange_status=status,
        interchange_error_codes=(code,) if code else (),
        groups=groups,
        extensions=detail,
    )
