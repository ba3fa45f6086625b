"""Segments shared by the 850, 855 and 856 maps, read and written side by side so each writer is the
exact inverse of its reader: REF, DTM, NTE/MSG, the N1 party loop (N1-N4, PER, REF), SAC, ITD, FOB,
TD1, TD3, TD5 and item identifier pairs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from translators.canonical import (
    Address,
    AllowanceCharge,
    AllowanceOrCharge,
    Carrier,
    Contact,
    DateRef,
    Equipment,
    Fob,
    ItemId,
    Measure,
    Money,
    Note,
    Party,
    PartyId,
    PartyIdScheme,
    PaymentTerms,
    Quantity,
    Reference,
)
from translators.errors import RenderError
from translators.x12.maps.code_tables import DATE_KIND, ITEM_ID, PARTY_ID, PARTY_ROLE, REFERENCE_KIND
from translators.x12.maps.context import Reader, el

Segment = list[str]
REF_QUALIFIER, REF_VALUE, REF_DESCRIPTION = 1, 2, 3
DTM_QUALIFIER, DTM_DATE, DTM_TIME = 1, 2, 3
N1_ROLE, N1_NAME, N1_ID_QUALIFIER, N1_ID = 1, 2, 3, 4
N4_CITY, N4_REGION, N4_POSTAL, N4_COUNTRY = 1, 2, 3, 4
PER_FUNCTION, PER_NAME, PER_FIRST_PAIR, PER_PAIRS = 1, 2, 3, 3
SAC_INDICATOR, SAC_CODE, SAC_AMOUNT, SAC_PERCENT, SAC_RATE, SAC_UNIT, SAC_QUANTITY = 1, 2, 5, 7, 8, 9, 10
SAC_HANDLING, SAC_DESCRIPTION = 12, 15
TD1_PACKAGING, TD1_LADING, TD1_WEIGHT_QUALIFIER, TD1_WEIGHT, TD1_WEIGHT_UNIT = 1, 2, 6, 7, 8
TD1_VOLUME, TD1_VOLUME_UNIT = 9, 10
TD3_TYPE, TD3_INITIAL, TD3_NUMBER, TD3_SEAL = 1, 2, 3, 9
TD5_ROUTING_SEQUENCE, TD5_ID_QUALIFIER, TD5_ID, TD5_METHOD, TD5_NAME, TD5_SERVICE = 1, 2, 3, 4, 5, 12
ITD_TYPE, ITD_BASIS, ITD_DISCOUNT_PERCENT, ITD_DISCOUNT_DUE, ITD_DISCOUNT_DAYS = 1, 2, 3, 4, 5
ITD_NET_DUE, ITD_NET_DAYS, ITD_DESCRIPTION = 6, 7, 12
FOB_PAYMENT, FOB_LOCATION_QUALIFIER, FOB_LOCATION = 1, 2, 3
MSG_TEXT, NTE_TOPIC, NTE_TEXT = 1, 1, 2
CONTACT_CODES = {"TE": "phone", "EM": "email", "FX": "fax"}
ITEM_ID_KEY = "item id"
SAC_CODES = {"A": AllowanceOrCharge.ALLOWANCE, "C": AllowanceOrCharge.CHARGE}


def num(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def implied2(value: Decimal | None) -> str:
    if value is None:
        return ""
    cents = value.scaleb(2)
    if cents != cents.to_integral_value():
        raise RenderError(f"amount {value} has more than 2 decimals")
    return str(int(cents))


def date8(value: dt.date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def time_text(value: dt.time | None) -> str:
    if value is None:
        return ""
    text = value.strftime("%H%M%S" if value.second or value.microsecond else "%H%M")
    return text + (f"{value.microsecond:06d}".rstrip("0")[:2] if value.microsecond else "")


def read_ref(r: Reader, segment: Segment) -> Reference:
    kind, qualifier = REFERENCE_KIND.read(el(segment, REF_QUALIFIER))
    description = r.text(segment, REF_DESCRIPTION)
    return Reference.trusted(
        kind=kind, value=el(segment, REF_VALUE), description=description, qualifier=qualifier
    )


def write_ref(ref: Reference) -> Segment:
    return [
        "REF",
        _code(REFERENCE_KIND.code(ref.kind, ref.qualifier), "reference"),
        ref.value,
        ref.description or "",
    ]


def read_dtm(r: Reader, segment: Segment) -> DateRef | None:
    date = r.date(segment, DTM_DATE)
    if date is None:
        return None
    kind, qualifier = DATE_KIND.read(el(segment, DTM_QUALIFIER))
    return DateRef.trusted(kind=kind, date=date, time=r.time(segment, DTM_TIME), qualifier=qualifier)


def write_dtm(date: DateRef) -> Segment:
    return [
        "DTM",
        _code(DATE_KIND.code(date.kind, date.qualifier), "date"),
        date8(date.date),
        time_text(date.time),
    ]


def read_note(segment: Segment) -> Note:
    if segment[0] == "MSG":
        return Note.trusted(text=el(segment, MSG_TEXT))
    return Note.trusted(text=el(segment, NTE_TEXT), topic=el(segment, NTE_TOPIC) or None)


def write_note(note: Note) -> Segment:
    return ["NTE", note.topic or "", note.text]


def read_contact(r: Reader, segment: Segment) -> Contact:
    found: dict[str, str] = {}
    for pair in range(PER_PAIRS):
        qualifier = el(segment, PER_FIRST_PAIR + 2 * pair)
        if qualifier in CONTACT_CODES:
            found.setdefault(CONTACT_CODES[qualifier], el(segment, PER_FIRST_PAIR + 2 * pair + 1))
    return Contact.trusted(function=r.text(segment, PER_FUNCTION), name=r.text(segment, PER_NAME), **found)


def write_contact(contact: Contact) -> Segment:
    segment = ["PER", contact.function or "IC", contact.name or ""]
    for code, value in (("TE", contact.phone), ("EM", contact.email), ("FX", contact.fax)):
        if value:
            segment += [code, value]
    return segment


@dataclass(slots=True)
class PartyDraft:
    """An N1 loop being read."""

    segment: Segment
    names: list[str] = field(default_factory=list)
    ids: list[PartyId] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    place: Segment | None = None
    contacts: list[Contact] = field(default_factory=list)

    def add(self, r: Reader, segment: Segment) -> bool:
        tag = segment[0]
        if tag == "N2":
            self.names += [e for e in segment[1:3] if e]
        elif tag == "N3":
            self.lines += [e for e in segment[1:3] if e]
        elif tag == "N4" and self.place is None:
            self.place = segment
        elif tag == "PER":
            self.contacts.append(read_contact(r, segment))
        elif tag == "REF":
            qualifier = el(segment, REF_QUALIFIER)
            self.ids.append(
                PartyId.trusted(scheme=PartyIdScheme.OTHER, value=el(segment, REF_VALUE), qualifier=qualifier)
            )
        else:
            return False
        return True

    def build(self) -> Party:
        role, role_code = PARTY_ROLE.read(el(self.segment, N1_ROLE))
        ids = list(self.ids)
        if el(self.segment, N1_ID):
            scheme, scheme_code = PARTY_ID.read(el(self.segment, N1_ID_QUALIFIER))
            ids.insert(
                0, PartyId.trusted(scheme=scheme, value=el(self.segment, N1_ID), qualifier=scheme_code)
            )
        return Party.trusted(
            role=role,
            qualifier=role_code,
            name=el(self.segment, N1_NAME) or None,
            additional_names=tuple(self.names),
            ids=tuple(ids),
            address=self._address(),
            contacts=tuple(self.contacts),
        )

    def _address(self) -> Address | None:
        if not self.lines and self.place is None:
            return None
        place = self.place or []
        return Address.trusted(
            lines=tuple(self.lines),
            city=el(place, N4_CITY) or None,
            region=el(place, N4_REGION) or None,
            postal_code=el(place, N4_POSTAL) or None,
            country=el(place, N4_COUNTRY) or None,
        )


def write_party(party: Party) -> list[Segment]:
    role = _code(PARTY_ROLE.code(party.role, party.qualifier), "party role")
    first, *others = party.ids or (None,)
    n1 = ["N1", role, party.name or ""]
    if first is not None:
        n1 += [_code(PARTY_ID.code(first.scheme, first.qualifier), "party id"), first.value]
    segments = [n1]
    names = list(party.additional_names)
    segments += [["N2", *names[i : i + 2]] for i in range(0, len(names), 2)]
    segments += _address(party.address)
    segments += [["REF", _code(i.qualifier, "party reference"), i.value] for i in others if i is not None]
    segments += [write_contact(c) for c in party.contacts]
    return segments


def _address(address: Address | None) -> list[Segment]:
    if address is None:
        return []
    lines = list(address.lines)
    segments = [["N3", *lines[i : i + 2]] for i in range(0, len(lines), 2)]
    place = [address.city or "", address.region or "", address.postal_code or "", address.country or ""]
    return [*segments, ["N4", *place]] if any(place) or not segments else segments


def read_sac(r: Reader, segment: Segment) -> AllowanceCharge | None:
    indicator = SAC_CODES.get(el(segment, SAC_INDICATOR))
    if indicator is None:
        return None
    quantity = r.decimal(segment, SAC_QUANTITY)
    return AllowanceCharge.trusted(
        indicator=indicator,
        code=r.text(segment, SAC_CODE),
        amount=_money(r.decimal(segment, SAC_AMOUNT, implied=2)),
        percent=r.decimal(segment, SAC_PERCENT),
        rate=r.decimal(segment, SAC_RATE),
        quantity=Quantity.trusted(value=quantity, unit=r.text(segment, SAC_UNIT))
        if quantity is not None
        else None,
        handling=r.text(segment, SAC_HANDLING),
        description=r.text(segment, SAC_DESCRIPTION),
    )


def _money(amount: Decimal | None) -> Money | None:
    return Money.trusted(amount=amount) if amount is not None else None


def write_sac(sac: AllowanceCharge) -> Segment:
    indicator = "A" if sac.indicator is AllowanceOrCharge.ALLOWANCE else "C"
    quantity = sac.quantity
    return [
        "SAC", indicator, sac.code or "", "", "", implied2(sac.amount.amount if sac.amount else None), "",
        num(sac.percent), num(sac.rate), (quantity.unit or "") if quantity else "",
        num(quantity.value) if quantity else "", "", sac.handling or "", "", "", sac.description or "",
    ]  # fmt: skip


def read_itd(r: Reader, segment: Segment) -> PaymentTerms:
    return PaymentTerms.trusted(
        type_code=r.text(segment, ITD_TYPE),
        basis_code=r.text(segment, ITD_BASIS),
        discount_percent=r.decimal(segment, ITD_DISCOUNT_PERCENT),
        discount_due_date=r.date(segment, ITD_DISCOUNT_DUE),
        discount_days=r.integer(segment, ITD_DISCOUNT_DAYS),
        net_due_date=r.date(segment, ITD_NET_DUE),
        net_days=r.integer(segment, ITD_NET_DAYS),
        description=r.text(segment, ITD_DESCRIPTION),
    )


def write_itd(terms: PaymentTerms) -> Segment:
    return [
        "ITD", terms.type_code or "", terms.basis_code or "", num(terms.discount_percent),
        date8(terms.discount_due_date), num(terms.discount_days), date8(terms.net_due_date),
        num(terms.net_days), "", "", "", "", terms.description or "",
    ]  # fmt: skip


def read_fob(r: Reader, segment: Segment) -> Fob:
    return Fob.trusted(
        payment_method=el(segment, FOB_PAYMENT),
        location_qualifier=r.text(segment, FOB_LOCATION_QUALIFIER),
        location=r.text(segment, FOB_LOCATION),
    )


def write_fob(fob: Fob) -> Segment:
    return ["FOB", fob.payment_method, fob.location_qualifier or "", fob.location or ""]


def read_td5(r: Reader, segment: Segment) -> Carrier:
    return Carrier.trusted(
        routing_sequence=r.text(segment, TD5_ROUTING_SEQUENCE),
        id_qualifier=r.text(segment, TD5_ID_QUALIFIER),
        id=r.text(segment, TD5_ID),
        transport_method=r.text(segment, TD5_METHOD),
        name=r.text(segment, TD5_NAME),
        service_level=r.text(segment, TD5_SERVICE),
    )


def write_td5(c: Carrier) -> Segment:
    head = [c.routing_sequence, c.id_qualifier, c.id, c.transport_method, c.name]
    return ["TD5", *(v or "" for v in head), "", "", "", "", "", "", c.service_level or ""]


def read_td1(r: Reader, segment: Segment) -> Measure:
    weight, volume = r.decimal(segment, TD1_WEIGHT), r.decimal(segment, TD1_VOLUME)
    return Measure.trusted(
        packaging_code=r.text(segment, TD1_PACKAGING),
        lading_quantity=r.integer(segment, TD1_LADING),
        weight_qualifier=r.text(segment, TD1_WEIGHT_QUALIFIER),
        weight=Quantity.trusted(value=weight, unit=r.text(segment, TD1_WEIGHT_UNIT))
        if weight is not None
        else None,
        volume=Quantity.trusted(value=volume, unit=r.text(segment, TD1_VOLUME_UNIT))
        if volume is not None
        else None,
    )


def write_td1(m: Measure) -> Segment:
    weight, volume = m.weight, m.volume
    return [
        "TD1", m.packaging_code or "", num(m.lading_quantity), "", "", "", m.weight_qualifier or "",
        num(weight.value) if weight else "", (weight.unit or "") if weight else "",
        num(volume.value) if volume else "", (volume.unit or "") if volume else "",
    ]  # fmt: skip


def read_td3(r: Reader, segment: Segment) -> Equipment:
    seal = r.text(segment, TD3_SEAL)
    return Equipment.trusted(
        type_code=r.text(segment, TD3_TYPE),
        initial=r.text(segment, TD3_INITIAL),
        number=el(segment, TD3_NUMBER),
        seal_numbers=(seal,) if seal else (),
    )


def write_td3(e: Equipment) -> Segment:
    if len(e.seal_numbers) > 1:
        raise RenderError("X12 TD3 carries one seal number")
    seal = e.seal_numbers[0] if e.seal_numbers else ""
    return ["TD3", e.type_code or "", e.initial or "", e.number, "", "", "", "", "", seal]


def read_item_ids(r: Reader, segment: Sequence[str], start: int) -> tuple[ItemId, ...]:
    ids = []
    memo = r.memo
    for index in range(start, len(segment) - 1, 2):
        value = segment[index + 1]
        if value:
            key = (ITEM_ID_KEY, segment[index], value)
            item = memo.get(key)
            if item is None:
                kind, qualifier = ITEM_ID.read(segment[index])
                item = ItemId.trusted(kind=kind, value=value, qualifier=qualifier)
                r.remember(key, item)
            ids.append(item)
    return tuple(ids)


def write_item_ids(items: tuple[ItemId, ...]) -> list[str]:
    pairs: list[str] = []
    for item in items:
        pairs += [_code(ITEM_ID.code(item.kind, item.qualifier), "item id"), item.value]
    return pairs


def _code(code: str | None, what: str) -> str:
    if not code:
        raise RenderError(f"no X12 code for this {what}; give its qualifier")
    return code
