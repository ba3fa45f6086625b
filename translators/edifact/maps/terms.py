"""Header commercial segments shared by ORDERS and ORDRSP: PAT (+DTM/PCD), TDT, TOD (+LOC), ALC
(+QTY/PCD/MOA/RTE), PAC (+MEA/QTY) and their canonical counterparts."""

from __future__ import annotations

from translators.canonical import (
    AllowanceCharge,
    AllowanceOrCharge,
    Carrier,
    Fob,
    Packaging,
    PaymentTerms,
)
from translators.edifact.maps.common import Doc, Reader, number, write_qty
from translators.edifact.render import SegmentSpec
from translators.edifact.syntax import Segment

PAT_TYPE, PAT_TERMS, PAT_PERIOD = 1, 2, 3
PAT_DISCOUNT = "22"
DTM_NET_DUE, DTM_DISCOUNT_DUE = "13", "12"
PCD_DISCOUNT = "12"
TDT_STAGE, TDT_MODE, TDT_MEANS, TDT_CARRIER = 1, 3, 4, 5
TDT_MAIN_CARRIAGE = "20"
TOD_FUNCTION, TOD_PAYMENT, TOD_TERMS = 1, 2, 3
ALC_INDICATOR, ALC_HANDLING, ALC_SERVICE = 1, 3, 5
ALC_CODES = {"A": AllowanceOrCharge.ALLOWANCE, "C": AllowanceOrCharge.CHARGE}
PAC_COUNT, PAC_TYPE = 1, 3
MEA_WEIGHT = "AAB"


def read_pat(seg: Segment) -> Doc:
    period = seg.get(PAT_PERIOD, 4)
    days = int(period) if period.isascii() and period.isdigit() else None
    discount = seg.get(PAT_TYPE) == PAT_DISCOUNT
    return {
        "type_code": seg.get(PAT_TYPE) or None,
        "basis_code": seg.get(PAT_PERIOD, 1) or None,
        "discount_days": days if discount else None,
        "net_days": None if discount else days,
        "description": seg.get(PAT_TERMS, 4) or None,
    }


def amend_pat(r: Reader, terms: Doc, seg: Segment) -> None:
    """DTM and PCD of the PAT group."""
    if seg.tag == "DTM":
        parsed = r.date_time(seg)
        field = {DTM_NET_DUE: "net_due_date", DTM_DISCOUNT_DUE: "discount_due_date"}.get(seg.get(1, 1))
        if parsed is not None and field is not None:
            terms[field] = parsed[0]
    elif seg.tag == "PCD" and seg.get(1, 1) == PCD_DISCOUNT:
        terms["discount_percent"] = r.decimal(seg, 1, 2)


def write_pat(terms: PaymentTerms) -> list[SegmentSpec]:
    days = terms.discount_days if terms.type_code == PAT_DISCOUNT else terms.net_days
    period = [terms.basis_code or "", "3" if days is not None else "", "D" if days is not None else ""]
    out: list[SegmentSpec] = [
        (
            "PAT",
            [
                terms.type_code or "1",
                ["", "", "", terms.description or ""],
                [*period, str(days) if days is not None else ""],
            ],
        )
    ]
    for date, code in ((terms.net_due_date, DTM_NET_DUE), (terms.discount_due_date, DTM_DISCOUNT_DUE)):
        if date is not None:
            out.append(("DTM", [[code, date.strftime("%Y%m%d"), "102"]]))
    if terms.discount_percent is not None:
        out.append(("PCD", [[PCD_DISCOUNT, number(terms.discount_percent)]]))
    return out


def read_tdt(seg: Segment) -> Doc:
    stage = seg.get(TDT_STAGE)
    return {
        "routing_sequence": None if stage in ("", TDT_MAIN_CARRIAGE) else stage,
        "transport_method": seg.get(TDT_MODE, 1) or None,
        "service_level": seg.get(TDT_MEANS, 1) or None,
        "id": seg.get(TDT_CARRIER, 1) or None,
        "id_qualifier": seg.get(TDT_CARRIER, 3) or None,
        "name": seg.get(TDT_CARRIER, 4) or None,
    }


def write_tdt(carrier: Carrier) -> SegmentSpec:
    return (
        "TDT",
        [
            carrier.routing_sequence or TDT_MAIN_CARRIAGE,
            None,
            [carrier.transport_method or ""],
            [carrier.service_level or ""],
            [carrier.id or "", "", carrier.id_qualifier or "", carrier.name or ""],
        ],
    )


def read_tod(seg: Segment) -> Doc:
    return {
        "payment_method": seg.get(TOD_PAYMENT),
        "description": seg.get(TOD_TERMS, 4) or seg.get(TOD_TERMS, 1) or None,
    }


def amend_tod(fob: Doc, seg: Segment) -> None:
    if seg.tag == "LOC" and fob.get("location") is None:
        fob["location_qualifier"] = seg.get(1) or None
        fob["location"] = seg.get(2, 1) or None


def write_tod(fob: Fob) -> list[SegmentSpec]:
    out: list[SegmentSpec] = [("TOD", ["3", fob.payment_method, ["", "", "", fob.description or ""]])]
    if fob.location is not None or fob.location_qualifier is not None:
        out.append(("LOC", [fob.location_qualifier or "1", [fob.location or ""]]))
    return out


def read_alc(seg: Segment) -> Doc | None:
    indicator = ALC_CODES.get(seg.get(ALC_INDICATOR))
    if indicator is None:
        return None
    return {
        "indicator": indicator,
        "code": seg.get(ALC_SERVICE, 1) or None,
        "handling": seg.get(ALC_HANDLING) or None,
        "description": seg.get(ALC_SERVICE, 4) or None,
    }


def amend_alc(r: Reader, charge: Doc, seg: Segment, currency: str | None) -> None:
    """QTY, PCD, MOA and RTE of the ALC group."""
    tag = seg.tag
    if tag == "MOA" and charge.get("amount") is None:
        amount = r.decimal(seg, 1, 2)
        charge["amount"] = {"amount": amount, "currency": currency} if amount is not None else None
    elif tag == "PCD":
        charge["percent"] = r.decimal(seg, 1, 2)
    elif tag == "RTE":
        charge["rate"] = r.decimal(seg, 1, 2)
    elif tag == "QTY":
        value = r.decimal(seg, 1, 2)
        charge["quantity"] = {"value": value, "unit": seg.get(1, 3) or None} if value is not None else None


def write_alc(charge: AllowanceCharge) -> list[SegmentSpec]:
    code = "A" if charge.indicator is AllowanceOrCharge.ALLOWANCE else "C"
    out: list[SegmentSpec] = [
        ("ALC", [code, None, charge.handling, None, [charge.code or "", "", "", charge.description or ""]])
    ]
    if charge.quantity is not None:
        out.append(write_qty("1", charge.quantity))
    if charge.percent is not None:
        out.append(("PCD", [["3", number(charge.percent)]]))
    if charge.amount is not None:
        out.append(("MOA", [["8", number(charge.amount.amount)]]))
    if charge.rate is not None:
        out.append(("RTE", [["1", number(charge.rate)]]))
    return out


def read_pac(r: Reader, seg: Segment) -> Doc:
    return {"pack": r.integer(seg, PAC_COUNT), "packaging_code": seg.get(PAC_TYPE, 1) or None}


def amend_pac(r: Reader, pack: Doc, seg: Segment) -> None:
    if seg.tag == "MEA" and seg.get(2, 1) == MEA_WEIGHT:
        value = r.decimal(seg, 3, 2)
        if value is not None:
            pack["weight"] = {"value": value, "unit": seg.get(3, 1) or None}
    elif seg.tag == "QTY" and seg.get(1, 1) == "52":
        pack["inner_size"] = r.decimal(seg, 1, 2)
        pack["inner_unit"] = seg.get(1, 3) or None


def write_pac(pack: Packaging) -> list[SegmentSpec]:
    out: list[SegmentSpec] = [
        ("PAC", [str(pack.pack) if pack.pack is not None else "", None, [pack.packaging_code or ""]])
    ]
    if pack.weight is not None:
        out.append(("MEA", ["PD", [MEA_WEIGHT], [pack.weight.unit or "", number(pack.weight.value)]]))
    if pack.inner_size is not None:
        out.append(("QTY", [["52", number(pack.inner_size), pack.inner_unit or ""]]))
    return out
