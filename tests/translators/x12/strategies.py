"""Hypothesis strategies for canonical documents that X12 can carry exactly (codes it knows, values without
delimiters, amounts within element precision), so canonical -> X12 -> canonical must be the identity."""

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
    Quantity,
    Reference,
    Schedule,
    SegmentNote,
    ShipItem,
    ShipNotice,
    ShipOrder,
    Tare,
)
from translators.x12.maps.code_tables import (
    ACK_LEVEL,
    ACK_STATUS,
    DATE_KIND,
    ITEM_ID,
    LINE_STATUS,
    ORDER_TYPE,
    PARTY_ID,
    PARTY_ROLE,
    PURPOSE,
    REFERENCE_KIND,
    CodeMap,
)

E = TypeVar("E", bound=StrEnum)
WORD = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-./#&()", min_size=1, max_size=12)
TEXT = st.lists(WORD, min_size=1, max_size=3).map(" ".join)
ID_WORD = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=2, max_size=12)
POSTAL = st.text("0123456789", min_size=5, max_size=9)
SHORT_TEXT = st.lists(WORD, min_size=1, max_size=2).map(" ".join)
CODE2 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=2, max_size=2)
UNIT = st.sampled_from(["EA", "CA", "BX", "LB", "KG", "PL", "DZ"])
CURRENCY = st.sampled_from(["USD", "EUR", "CAD", "GBP"])
DATES = st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31))
TIMES = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
DIGITS = st.integers(1, 999_999_999).map(str)


def opt(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def decimals(places: int = 2, high: int = 1_000_000) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=high, places=places, allow_nan=False, allow_infinity=False)


def coded(codes: CodeMap[E], unknown: list[str]) -> st.SearchStrategy[tuple[E, str | None]]:
    """A member with its usual code, or ``other`` with a code the table does not know."""
    known = [(member, None) for member in codes.by_member if member != codes.other]
    return st.sampled_from(known) | st.sampled_from(unknown).map(lambda code: (codes.other, code))


def few(strategy: st.SearchStrategy[Any], high: int = 2) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.lists(strategy, max_size=high).map(tuple)


QUANTITY = st.builds(Quantity, value=decimals(3, 99_999), unit=UNIT)
DATE_REF = st.builds(
    lambda kind, date, time: DateRef(kind=kind[0], qualifier=kind[1], date=date, time=time),
    coded(DATE_KIND, ["901", "ZZZ", "AAA"]),
    DATES,
    opt(TIMES),
)
REFERENCE = st.builds(
    lambda kind, value, description: Reference(
        kind=kind[0], qualifier=kind[1], value=value, description=description
    ),
    coded(REFERENCE_KIND, ["ZZ", "X9", "AAB"]),
    WORD,
    opt(TEXT),
)
NOTE = st.builds(Note, text=TEXT, topic=opt(st.sampled_from(["GEN", "ORI", "SPE"])))
CONTACT = st.builds(
    Contact,
    function=st.sampled_from(["BD", "IC", "SU"]),
    name=opt(TEXT),
    phone=opt(WORD),
    email=opt(WORD),
    fax=opt(WORD),
)
ADDRESS = st.builds(
    Address,
    lines=few(TEXT, 3),
    city=opt(ID_WORD),
    region=opt(CODE2),
    postal_code=opt(POSTAL),
    country=opt(CODE2),
)
FIRST_ID = st.builds(
    lambda scheme, value: PartyId(scheme=scheme[0], qualifier=scheme[1], value=value),
    coded(PARTY_ID, ["ZX", "8", "24"]),
    ID_WORD,
)
EXTRA_ID = st.builds(
    PartyId, scheme=st.just(PartyIdScheme.OTHER), qualifier=st.sampled_from(["ZZ", "DP", "AAB"]), value=WORD
)


@st.composite
def parties(draw: st.DrawFn) -> Party:
    role, qualifier = draw(coded(PARTY_ROLE, ["ZA", "AB"]))
    ids = (draw(FIRST_ID), *draw(few(EXTRA_ID))) if draw(st.booleans()) else ()
    return Party(
        role=role,
        qualifier=qualifier,
        name=draw(opt(TEXT)),
        additional_names=draw(few(TEXT, 3)),
        ids=ids,
        address=draw(opt(ADDRESS)),
        contacts=draw(few(CONTACT, 1)),
    )


ITEM_ID_STRATEGY = st.builds(
    lambda kind, value: ItemId(kind=kind[0], qualifier=kind[1], value=value),
    coded(ITEM_ID, ["ZB", "A1"]),
    WORD,
)
ALLOWANCE = st.builds(
    AllowanceCharge,
    indicator=st.sampled_from(list(AllowanceOrCharge)),
    code=opt(st.sampled_from(["A260", "C310", "D240"])),
    amount=opt(st.builds(Money, amount=decimals(2))),
    percent=opt(decimals(2, 100)),
    rate=opt(decimals(4, 1000)),
    quantity=opt(QUANTITY),
    handling=opt(st.sampled_from(["02", "06"])),
    description=opt(TEXT),
)
TERMS = st.builds(
    PaymentTerms,
    type_code=opt(st.sampled_from(["01", "05", "14"])),
    basis_code=opt(st.sampled_from(["1", "3"])),
    discount_percent=opt(decimals(2, 99)),
    discount_due_date=opt(DATES),
    discount_days=opt(st.integers(0, 999)),
    net_due_date=opt(DATES),
    net_days=opt(st.integers(0, 999)),
    description=opt(TEXT),
)
FOB = st.builds(
    Fob, payment_method=st.sampled_from(["PP", "CC", "PB"]), location_qualifier=opt(CODE2), location=opt(TEXT)
)
CARRIER = st.builds(
    Carrier,
    routing_sequence=opt(st.sampled_from(["B", "O"])),
    id_qualifier=opt(st.sampled_from(["2", "92"])),
    id=opt(ID_WORD),
    transport_method=opt(st.sampled_from(["M", "T", "A"])),
    name=opt(SHORT_TEXT),
    service_level=opt(CODE2),
)
MEASURE = st.builds(
    Measure,
    packaging_code=opt(st.sampled_from(["CTN25", "PLT94", "BOX"])),
    lading_quantity=opt(st.integers(0, 9999)),
    weight_qualifier=opt(st.sampled_from(["G", "N"])),
    weight=opt(QUANTITY),
    volume=opt(QUANTITY),
)
EQUIPMENT = st.builds(
    Equipment, type_code=opt(CODE2), initial=opt(WORD), number=WORD, seal_numbers=few(WORD, 1)
)
EXTENSION = st.builds(
    Extension,
    tag=st.sampled_from(["ZZA", "ZZB", "X9", "QQQ"]),
    elements=st.lists(st.lists(WORD, min_size=1, max_size=2).map(tuple), min_size=1, max_size=3).map(tuple),
)
PACKAGING = st.builds(
    Packaging,
    pack=opt(st.integers(0, 999)),
    inner_size=opt(decimals(2, 999)),
    inner_unit=opt(UNIT),
    packaging_code=opt(st.sampled_from(["CTN25", "PLT94"])),
    weight=opt(QUANTITY),
)
PLAIN_DATE = st.builds(
    lambda d, date: DateRef(kind=d[0], qualifier=d[1], date=date), coded(DATE_KIND, ["901"]), DATES
)
SCHEDULE = st.builds(
    Schedule,
    quantity=QUANTITY,
    dates=st.lists(PLAIN_DATE, min_size=1, max_size=2).map(tuple),
)


def price(currency: str | None) -> st.SearchStrategy[Price]:
    money = st.builds(Money, amount=decimals(4), currency=st.just(currency))
    return st.builds(Price, amount=money, basis=opt(st.sampled_from(["PE", "CP", "TE"])))


@st.composite
def purchase_orders(draw: st.DrawFn) -> PurchaseOrder:
    currency = draw(opt(CURRENCY))
    purpose, purpose_code = draw(coded(PURPOSE, ["11", "22"]))
    order_type, type_code = draw(coded(ORDER_TYPE, ["ZZ", "OS"]))
    line = st.builds(
        OrderLine,
        line_number=opt(DIGITS),
        quantity=QUANTITY,
        unit_price=opt(price(currency)),
        items=few(ITEM_ID_STRATEGY, 3),
        descriptions=few(TEXT),
        packaging=few(PACKAGING, 1),
        schedules=few(SCHEDULE),
        dates=few(DATE_REF),
        references=few(REFERENCE),
        parties=few(parties(), 1),
        notes=few(NOTE, 1),
        allowances_charges=few(ALLOWANCE, 1),
        extensions=few(EXTENSION, 1),
    )
    totals = st.builds(
        OrderTotals,
        line_count=st.integers(0, 999),
        quantity_total=opt(decimals(2)),
        amount=opt(st.builds(Money, amount=decimals(2), currency=st.just(currency))),
    )
    return PurchaseOrder(
        purpose=purpose,
        purpose_code=purpose_code,
        order_type=order_type,
        order_type_code=type_code,
        po_number=draw(WORD),
        release_number=draw(opt(WORD)),
        order_date=draw(DATES),
        currency=currency,
        parties=draw(few(parties(), 3)),
        contacts=draw(few(CONTACT, 1)),
        references=draw(few(REFERENCE, 3)),
        dates=draw(few(DATE_REF, 3)),
        terms=draw(few(TERMS, 1)),
        fob=draw(few(FOB, 1)),
        carriers=draw(few(CARRIER, 1)),
        notes=draw(few(NOTE)),
        allowances_charges=draw(few(ALLOWANCE)),
        lines=tuple(draw(st.lists(line, min_size=1, max_size=4))),
        totals=draw(opt(totals)),
        extensions=draw(few(EXTENSION)),
    )


@st.composite
def acknowledgements(draw: st.DrawFn) -> Acknowledgement:
    currency = draw(opt(CURRENCY))
    status, status_code = draw(coded(ACK_STATUS, ["ZZ"]))
    line_status = st.builds(
        lambda s, q, d, items: LineAck(status=s[0], status_code=s[1], quantity=q, date=d, items=items),
        coded(LINE_STATUS, ["ZZ", "I9"]),
        opt(QUANTITY),
        opt(
            st.builds(
                lambda d, date: DateRef(kind=d[0], qualifier=d[1], date=date),
                coded(DATE_KIND, ["901"]),
                DATES,
            )
        ),
        few(ITEM_ID_STRATEGY),
    )
    line = st.builds(
        AckLine,
        line_number=opt(DIGITS),
        ordered_quantity=opt(QUANTITY),
        unit_price=opt(price(currency)),
        items=few(ITEM_ID_STRATEGY, 3),
        descriptions=few(TEXT),
        statuses=few(line_status, 3),
        schedules=few(SCHEDULE),
        dates=few(DATE_REF),
        references=few(REFERENCE),
        notes=few(NOTE, 1),
        extensions=few(EXTENSION, 1),
    )
    return Acknowledgement(
        status=status,
        status_code=status_code,
        po_number=draw(WORD),
        po_date=draw(DATES),
        ack_number=draw(opt(WORD)),
        ack_date=draw(opt(DATES)),
        release_number=draw(opt(WORD)),
        currency=currency,
        parties=draw(few(parties(), 2)),
        contacts=draw(few(CONTACT, 1)),
        references=draw(few(REFERENCE)),
        dates=draw(few(DATE_REF)),
        notes=draw(few(NOTE)),
        lines=draw(few(line, 3)),
        line_count=draw(opt(st.integers(0, 99))),
        extensions=draw(few(EXTENSION)),
    )


MARK = st.builds(Mark, qualifier=st.sampled_from(["UC", "AA", "W"]), value=WORD)
LOT = st.builds(Lot, number=WORD)
ITEM_REFERENCE = st.builds(
    lambda kind, value: Reference(kind=kind[0], qualifier=kind[1], value=value),
    coded(REFERENCE_KIND, ["ZZ"]),
    WORD,
)
SHIP_ITEM = st.builds(
    ShipItem,
    line_number=opt(DIGITS),
    items=st.lists(ITEM_ID_STRATEGY, min_size=1, max_size=3).map(tuple),
    shipped_quantity=QUANTITY,
    ordered_quantity=opt(QUANTITY),
    status_code=opt(st.sampled_from(["AC", "IS"])),
    descriptions=few(TEXT),
    lots=few(LOT),
    serial_numbers=few(WORD),
    dates=few(DATE_REF, 1),
    references=few(ITEM_REFERENCE, 1),
    notes=few(NOTE, 1),
    extensions=few(EXTENSION, 1),
)
SSCC = st.text("0123456789", min_size=18, max_size=18)
PACK = st.builds(
    Pack,
    sscc=opt(SSCC),
    tracking_number=opt(WORD),
    marks=few(MARK, 1),
    measures=few(MEASURE, 1),
    references=few(ITEM_REFERENCE, 1),
    dates=few(DATE_REF, 1),
    items=few(SHIP_ITEM, 2),
    extensions=few(EXTENSION, 1),
)
TARE = st.builds(
    Tare,
    sscc=opt(SSCC),
    marks=few(MARK, 1),
    measures=few(MEASURE, 1),
    references=few(ITEM_REFERENCE, 1),
    packs=few(PACK, 2),
    items=few(SHIP_ITEM, 1),
    extensions=few(EXTENSION, 1),
)
SHIP_ORDER = st.builds(
    ShipOrder,
    po_number=WORD,
    po_date=opt(DATES),
    release_number=opt(WORD),
    references=few(ITEM_REFERENCE, 1),
    dates=few(DATE_REF, 1),
    parties=few(parties(), 1),
    measures=few(MEASURE, 1),
    carriers=few(CARRIER, 1),
    tares=few(TARE, 1),
    packs=few(PACK, 2),
    items=few(SHIP_ITEM, 2),
    extensions=few(EXTENSION, 1),
)


@st.composite
def ship_notices(draw: st.DrawFn) -> ShipNotice:
    purpose, purpose_code = draw(coded(PURPOSE, ["11"]))
    return ShipNotice(
        purpose=purpose,
        purpose_code=purpose_code,
        shipment_id=draw(ID_WORD),
        notice_date=draw(DATES),
        notice_time=draw(TIMES),
        structure_code=draw(opt(st.sampled_from(["0001", "0002", "0004"]))),
        measures=draw(few(MEASURE)),
        carriers=draw(few(CARRIER)),
        equipment=draw(few(EQUIPMENT, 1)),
        fob=draw(few(FOB, 1)),
        references=draw(few(REFERENCE)),
        dates=draw(few(DATE_REF)),
        parties=draw(few(parties(), 2)),
        contacts=draw(few(CONTACT, 1)),
        notes=draw(few(NOTE, 1)),
        orders=draw(few(SHIP_ORDER, 2)),
        line_count=draw(opt(st.integers(0, 999))),
        extensions=draw(few(EXTENSION, 1)),
    )


ELEMENT_NOTE = st.builds(
    ElementNote,
    position=st.integers(1, 99),
    component=opt(st.integers(1, 9)),
    repetition=opt(st.integers(1, 9)),
    reference_number=opt(st.integers(1, 9999).map(str)),
    code=st.sampled_from(["1", "2", "4", "5", "6", "7", "8"]),
    bad_value=opt(WORD),
)
SEGMENT_NOTE = st.builds(
    SegmentNote,
    tag=st.sampled_from(["BEG", "PO1", "N1", "REF", "CLM"]),
    position=st.integers(1, 99999),
    loop_id=opt(st.sampled_from(["N1", "PO1", "2300"])),
    code=st.sampled_from(["1", "2", "3", "8"]),
    context=few(st.text("ABCDEFGHIJ0123456789 ", min_size=1, max_size=10).map(str.strip).filter(bool), 1),
    elements=few(ELEMENT_NOTE, 2),
)
LEVEL = st.sampled_from([m for m in ACK_LEVEL.by_member if m is not AckLevelStatus.OTHER])
MESSAGE_ACK = st.builds(
    MessageAck,
    message_type=st.sampled_from(["850", "855", "856", "837"]),
    control_number=st.integers(1, 99999).map(lambda n: str(n).zfill(4)),
    implementation_ref=opt(st.sampled_from(["005010X222A1", "005010"])),
    status=st.sampled_from(
        [AckLevelStatus.ACCEPTED, AckLevelStatus.ACCEPTED_WITH_ERRORS, AckLevelStatus.REJECTED]
    ),
    error_codes=few(st.sampled_from(["1", "2", "3", "4", "5"]), 3),
    segments=few(SEGMENT_NOTE, 2),
)
GROUP_ACK = st.builds(
    GroupAck,
    functional_id=st.sampled_from(["PO", "PR", "SH", "HC"]),
    control_number=DIGITS,
    version=st.sampled_from(["005010", "005010X222A1"]),
    status=LEVEL,
    sets_included=st.integers(0, 99),
    sets_received=st.integers(0, 99),
    sets_accepted=st.integers(0, 99),
    error_codes=few(st.sampled_from(["1", "2", "3", "4", "5", "6"]), 3),
    messages=few(MESSAGE_ACK, 3),
)
FUNCTIONAL_ACKS = st.builds(FunctionalAck, groups=st.tuples(GROUP_ACK), extensions=few(EXTENSION, 1))
