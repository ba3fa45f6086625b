"""Shared pieces of the EDIFACT maps: a located value reader and the segments every message uses
(DTM, QTY, NAD + CTA/COM, RFF, FTX, PRI, LIN/PIA item ids, IMD, MOA, CUX) in both directions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from translators.canonical import (
    Address,
    Contact,
    DateRef,
    Extension,
    ItemId,
    Note,
    Party,
    Price,
    Quantity,
    Reference,
)
from translators.canonical.common import CanonicalModel
from translators.edifact.errors import Code, EdifactElementError, EdifactSegmentError
from translators.edifact.maps import codes
from translators.edifact.messages import RawMessage
from translators.edifact.render import Element, SegmentSpec
from translators.edifact.syntax import Segment

Doc = dict[str, Any]

NAME_WIDTH = 35
TEXT_WIDTH = 512
FTX_TEXT = 4
NAD_NAME_ADDRESS = 3
NAD_ID, NAD_NAME, NAD_STREET, NAD_CITY, NAD_REGION, NAD_POSTCODE, NAD_COUNTRY = 2, 4, 5, 6, 7, 8, 9
PRI_DETAIL = 1
LIN_NUMBER, LIN_ACTION, LIN_ITEM = 1, 2, 3
PIA_FUNCTION, PIA_FIRST = 1, 2
IMD_TYPE, IMD_DESCRIPTION = 1, 3
COM_DETAIL = 1
CTA_FUNCTION, CTA_CONTACT = 1, 2
COM_CHANNELS = {"TE": "phone", "EM": "email", "FX": "fax"}


class Reader:
    """Typed, located access to one message's values; bad values raise ``EdifactElementError``."""

    def __init__(self, message: RawMessage) -> None:
        self.message = message

    def text(self, seg: Segment, element: int, component: int = 1) -> str | None:
        return seg.get(element, component) or None

    def require(self, seg: Segment, element: int, component: int = 1) -> str:
        value = seg.get(element, component)
        if not value:
            raise EdifactElementError(
                f"{seg.tag} element {element}.{component} is mandatory",
                self.message.location(seg, element, component),
                Code.MISSING,
            )
        return value

    def decimal(self, seg: Segment, element: int, component: int = 1) -> Decimal | None:
        raw = seg.get(element, component)
        if not raw:
            return None
        try:
            value = Decimal(raw.replace(",", ".") if "," in raw else raw)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or raw[0] == "+":
            raise EdifactElementError(
                f"{seg.tag} value {raw[:40]!r} is not a number",
                self.message.location(seg, element, component),
                Code.INVALID_DECIMAL_NOTATION if "." in raw or "," in raw else Code.INVALID_VALUE,
            )
        return value

    def integer(self, seg: Segment, element: int, component: int = 1) -> int | None:
        raw = seg.get(element, component)
        if not raw:
            return None
        if not (raw.isascii() and raw.isdigit()):
            raise EdifactElementError(
                f"{seg.tag} value {raw[:40]!r} is not an integer",
                self.message.location(seg, element, component),
                Code.INVALID_CHARACTER_TYPE,
            )
        return int(raw)

    def date_time(self, seg: Segment) -> tuple[dt.date, dt.time | None] | None:
        """DTM C507 value in format 102/203/204/101 (others: None, the caller keeps the segment)."""
        value, fmt = seg.get(1, 2), seg.get(1, 3) or codes.FORMAT_DATE
        try:
            return _parse_date(value, fmt)
        except ValueError:
            raise EdifactElementError(
                f"DTM value {value[:20]!r} is not a valid date in format {fmt}",
                self.message.location(seg, 1, 2),
                Code.INVALID_VALUE,
            ) from None

    def missing(self, tag: str, after: Segment | None = None) -> EdifactSegmentError:
        where = f" after {after.tag} (segment {self.message.position(after)})" if after is not None else ""
        return EdifactSegmentError(
            f"mandatory segment {tag} missing{where}", self.message.location(after), Code.MISSING
        )


DATE_CACHE_SIZE = 4096


@lru_cache(maxsize=DATE_CACHE_SIZE)
def _parse_date(value: str, fmt: str) -> tuple[dt.date, dt.time | None] | None:
    if fmt == codes.FORMAT_DATE and len(value) == 8:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])), None
    if fmt == codes.FORMAT_DATETIME and len(value) == 12:
        time = dt.time(int(value[8:10]), int(value[10:12]))
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])), time
    if fmt == codes.FORMAT_DATETIME_SECONDS and len(value) == 14:
        time = dt.time(int(value[8:10]), int(value[10:12]), int(value[12:14]))
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:8])), time
    if fmt == codes.FORMAT_SHORT_DATE and len(value) == 6:
        return dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:6])), None
    if fmt in (
        codes.FORMAT_DATE,
        codes.FORMAT_DATETIME,
        codes.FORMAT_DATETIME_SECONDS,
        codes.FORMAT_SHORT_DATE,
    ):
        raise ValueError(fmt)
    return None


def without_empty(fields: Doc) -> Doc:
    """``fields`` less its empty lists. Every list field of the canonical models defaults to an empty
    tuple, so the document is the same, and pydantic-core skips turning each empty list into a tuple
    (about a fifth of the validation time of an ORDERS document)."""
    return {k: v for k, v in fields.items() if v or v.__class__ is not list}


def validated(model: type[CanonicalModel], docs: list[Doc] | None) -> tuple[Any, ...]:
    """Plain fields of a group's rarer values as models, validated one by one (what validating them
    inside their document would make)."""
    return tuple(map(model.model_validate, docs)) if docs else ()


def extension(seg: Segment) -> Doc:
    """A segment kept verbatim (first occurrence of repeated elements), as an Extension's fields."""
    return {"tag": seg.tag, "elements": seg.elements}


def write_extension(ext: Extension) -> SegmentSpec:
    return (ext.tag, [list(e) for e in ext.elements])


def read_dtm(r: Reader, seg: Segment) -> Doc | None:
    """DTM as DateRef fields; None for formats without a single date (ranges, periods)."""
    parsed = r.date_time(seg)
    if parsed is None:
        return None
    kind, qualifier = codes.DATE_KIND.read(seg.get(1, 1))
    return {"kind": kind, "date": parsed[0], "time": parsed[1], "qualifier": qualifier}


def write_dtm(date: DateRef) -> SegmentSpec:
    code = codes.DATE_KIND.code(date.kind, date.qualifier)
    if date.time is None:
        return ("DTM", [[code, date.date.strftime("%Y%m%d"), codes.FORMAT_DATE]])
    if date.time.second:
        value = date.date.strftime("%Y%m%d") + date.time.strftime("%H%M%S")
        return ("DTM", [[code, value, codes.FORMAT_DATETIME_SECONDS]])
    return ("DTM", [[code, date.date.strftime("%Y%m%d") + date.time.strftime("%H%M"), codes.FORMAT_DATETIME]])


def read_qty(r: Reader, seg: Segment) -> Doc | None:
    value = r.decimal(seg, 1, 2)
    return {"value": value, "unit": seg.get(1, 3) or None} if value is not None else None


def write_qty(qualifier: str, quantity: Quantity) -> SegmentSpec:
    return ("QTY", [[qualifier, number(quantity.value), quantity.unit or ""]])


def number(value: Decimal) -> str:
    """Decimal as EDIFACT writes it: no exponent, '.' mark, no trailing '.'."""
    return format(value, "f")


def read_rff(seg: Segment) -> Doc:
    kind, qualifier = codes.REFERENCE_KIND.read(seg.get(1, 1))
    return {
        "kind": kind,
        "value": seg.get(1, 2),
        "description": seg.get(1, 4) or None,
        "qualifier": qualifier,
    }


def write_rff(ref: Reference) -> SegmentSpec:
    code = codes.REFERENCE_KIND.code(ref.kind, ref.qualifier)
    return ("RFF", [[code, ref.value, "", ref.description or ""]])


def read_ftx(seg: Segment) -> Doc:
    return {"text": "".join(seg.composite(FTX_TEXT)), "topic": seg.get(1) or None}


def write_ftx(note: Note) -> SegmentSpec:
    return ("FTX", [note.topic or "ZZZ", None, None, chunks(note.text, TEXT_WIDTH, 5)])


def chunks(text: str, width: int, limit: int) -> list[str]:
    """Split text into components of ``width`` (the last one takes the rest beyond ``limit``)."""
    parts = [text[i : i + width] for i in range(0, len(text), width)] or [""]
    return [*parts[: limit - 1], "".join(parts[limit - 1 :])] if len(parts) > limit else parts


def read_nad(seg: Segment) -> Doc:
    role, qualifier = codes.PARTY_ROLE.read(seg.get(1))
    ids = []
    if seg.get(NAD_ID):
        scheme, scheme_qualifier = codes.PARTY_ID.read(seg.get(NAD_ID, 3))
        ids.append({"scheme": scheme, "value": seg.get(NAD_ID), "qualifier": scheme_qualifier})
    address = {
        "lines": [v for v in seg.composite(NAD_STREET) if v],
        "city": seg.get(NAD_CITY) or None,
        "region": seg.get(NAD_REGION) or None,
        "postal_code": seg.get(NAD_POSTCODE) or None,
        "country": seg.get(NAD_COUNTRY) or None,
    }
    return {
        "role": role,
        "name": "".join(seg.composite(NAD_NAME)) or None,
        "additional_names": [v for v in seg.composite(NAD_NAME_ADDRESS) if v],
        "ids": ids,
        "address": address if any(address.values()) else None,
        "contacts": [],
        "qualifier": qualifier,
    }


def write_nad(party: Party) -> list[SegmentSpec]:
    first = party.ids[0] if party.ids else None
    party_id: Element = None
    if first is not None:
        party_id = [first.value, "", codes.PARTY_ID.code(first.scheme, first.qualifier)]
    address = party.address or Address()
    elements: list[Element] = [
        codes.PARTY_ROLE.code(party.role, party.qualifier),
        party_id,
        list(party.additional_names) or None,
        chunks(party.name, NAME_WIDTH, 5) if party.name else None,
        list(address.lines) or None,
        address.city,
        address.region,
        address.postal_code,
        address.country,
    ]
    out: list[SegmentSpec] = [("NAD", elements)]
    for contact in party.contacts:
        out.extend(write_contact(contact))
    return out


def contact_segment(contacts: list[Doc], seg: Segment) -> bool:
    """CTA opens a contact, COM adds a number to the last one; False when the segment was not used."""
    if seg.tag == "CTA":
        contacts.append(read_cta(seg))
        return True
    return seg.tag == "COM" and bool(contacts) and add_com(contacts[-1], seg)


def read_cta(seg: Segment) -> Doc:
    return {"function": seg.get(CTA_FUNCTION) or None, "name": seg.get(CTA_CONTACT, 2) or None}


def add_com(contact: Doc, seg: Segment) -> bool:
    """COM after CTA: TE phone, EM e-mail, FX fax (every repetition; the first of each kind wins)."""
    used = False
    for comps in seg.occurrences(COM_DETAIL):
        field = COM_CHANNELS.get(comps[1] if len(comps) > 1 else "")
        if field is not None and contact.get(field) is None:
            contact[field] = comps[0]
            used = True
    return used


def write_contact(contact: Contact) -> list[SegmentSpec]:
    out: list[SegmentSpec] = [("CTA", [contact.function or "IC", ["", contact.name or ""]])]
    for value, code in ((contact.phone, "TE"), (contact.email, "EM"), (contact.fax, "FX")):
        if value:
            out.append(("COM", [[value, code]]))
    return out


def item_ids(seg: Segment, element: int, count: int = 1) -> list[Doc]:
    """Item ids of LIN C212 (``count`` 1) or of PIA's five C212 composites."""
    out = []
    read = codes.ITEM_ID.read
    for comps in seg.elements[element - 1 : element - 1 + count]:
        if comps[0]:
            kind, qualifier = read(comps[1] if len(comps) > 1 else "")
            out.append({"kind": kind, "value": comps[0], "qualifier": qualifier})
    return out


def write_items(line_number: str | None, action: str | None, items: tuple[ItemId, ...]) -> list[SegmentSpec]:
    """LIN with the first item id, PIA+1 with the others (five per PIA)."""

    def c212(item: ItemId) -> list[str]:
        return [item.value, codes.ITEM_ID.code(item.kind, item.qualifier)]

    first = c212(items[0]) if items else None
    out: list[SegmentSpec] = [("LIN", [line_number or "", action, first])]
    rest = items[1:]
    for start in range(0, len(rest), 5):
        out.append(("PIA", ["1", *(c212(i) for i in rest[start : start + 5])]))
    return out


def read_imd(seg: Segment) -> str | None:
    text = "".join(seg.composite(IMD_DESCRIPTION)[3:5])
    return text or None


def write_imd(text: str) -> SegmentSpec:
    return ("IMD", ["F", None, ["", "", "", *chunks(text, NAME_WIDTH, 2)]])


def read_pri(r: Reader, seg: Segment, currency: str | None) -> Doc | None:
    amount = r.decimal(seg, PRI_DETAIL, 2)
    if amount is None:
        return None
    return {"amount": {"amount": amount, "currency": currency}, "basis": seg.get(PRI_DETAIL, 3) or None}


def write_pri(price: Price) -> SegmentSpec:
    return ("PRI", [["AAA", number(price.amount.amount), price.basis or ""]])


RFF_ORDER, RFF_RELEASE, DTM_REFERENCE_DATE = "ON", "RE", "171"
"""RFF 1153 purchase order number and release number, and DTM 2005 reference date (of the RFF before)."""


class OrderReferences:
    """Reading RFF+ON / RFF+RE (the order a response or despatch answers) with the DTM+171 that dates it,
    and CTA/COM after a NAD, for a reader whose order-level fields go into ``order_fields``."""

    r: Reader
    lists: dict[str, list[Any]]
    context: str

    @property
    def order_fields(self) -> Doc:
        raise NotImplementedError

    def _reference(self, seg: Segment) -> None:
        qualifier, fields = seg.get(1, 1), self.order_fields
        if qualifier == RFF_ORDER and "po_number" not in fields:
            fields["po_number"] = seg.get(1, 2)
            self.context = "RFF-ON"
        elif qualifier == RFF_RELEASE and "release_number" not in fields:
            fields["release_number"] = seg.get(1, 2)
        else:
            self.lists["references"].append(read_rff(seg))

    def _reference_date(self, seg: Segment) -> None:
        date = read_dtm(self.r, seg)
        if self.context == "RFF-ON" and date is not None and date["qualifier"] == DTM_REFERENCE_DATE:
            self.order_fields["po_date"] = date["date"]
        else:
            self.lists["extensions"].append(extension(seg))

    def _party_detail(self, seg: Segment) -> None:
        if not contact_segment(self.lists["parties"][-1]["contacts"], seg):
            self.lists["extensions"].append(extension(seg))
