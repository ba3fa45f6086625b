"""The X12 readers build canonical documents without re-validation (``CanonicalModel.trusted``) and share
the value of a segment repeated in a set: every document they make must be exactly what validation would
make, and a repeated bad value must still be reported at each of its positions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.translators.canonical.exact import assert_exactly_validated
from translators.api import render_outbound, translate_inbound
from translators.canonical import CanonicalDocument, PurchaseOrder, ShipNotice
from translators.errors import ElementError
from translators.options import InboundOptions, OutboundOptions

from .strategies import acknowledgements, purchase_orders, ship_notices
from .test_corpus import ROWS, _translate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
INPUTS = sorted((FIXTURES / "x12").glob("*.edi")) + sorted((FIXTURES / "cross_syntax").glob("*.x12"))
NOW = dt.datetime(2026, 3, 1, 9, 30)
HEAD = (
    "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         "
    "*260301*0800*U*00401*000000001*0*P*>~GS*{fid}*BUYER*SELLER*20260301*0800*1*X*004010~ST*{set_id}*0001~"
)
TAIL = "SE*{count}*0001~GE*1*1~IEA*1*000000001~"


def _interchange(functional_id: str, set_id: str, body: list[str]) -> bytes:
    head = HEAD.format(fid=functional_id, set_id=set_id)
    return (head + "".join(s + "~" for s in body) + TAIL.format(count=len(body) + 2)).encode()


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_fixture_documents_are_exactly_validated(source: Path) -> None:
    documents = translate_inbound(source.read_bytes(), InboundOptions(now=NOW)).documents
    assert documents
    for document in documents:
        assert_exactly_validated(document)


@pytest.mark.parametrize("row", [r for r in ROWS if r["expect"] == "parse"], ids=lambda r: r["file"])
def test_corpus_documents_are_exactly_validated(row: dict[str, str]) -> None:
    for document in _translate(row).documents:
        assert_exactly_validated(document)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(purchase_orders(), acknowledgements(), ship_notices()))
def test_round_tripped_documents_are_exactly_validated(document: CanonicalDocument) -> None:
    options = OutboundOptions(
        syntax="x12",
        sender_id="S",
        receiver_id="R",
        interchange_control_number=1,
        group_control_number=1,
        now=NOW,
    )
    (again,) = translate_inbound(render_outbound(document, options), InboundOptions(now=NOW)).documents
    assert again == document
    assert_exactly_validated(again)


def test_repeated_segments_share_one_value() -> None:
    lines = [
        f"PO1*{n}*120*EA*9.25*PE*BP*P-{n}*VP*AB3542~DTM*002*20260320~PO4*4*4*EA*PLT94**3*LB" for n in (1, 2)
    ]
    body = ["BEG*00*SA*4500012345**20260301", *"~".join(lines).split("~"), "CTT*2"]
    result = translate_inbound(_interchange("PO", "850", body), InboundOptions(now=NOW))
    assert result.ok, [str(e) for e in result.all_errors()]
    (po,) = result.documents
    assert isinstance(po, PurchaseOrder)
    first, second = po.lines
    assert first.dates[0] is second.dates[0] and first.packaging[0] is second.packaging[0]
    assert first.quantity is second.quantity and first.unit_price is second.unit_price
    assert first.items[1] is second.items[1] and first.items[0] != second.items[0]
    assert_exactly_validated(po)


def test_a_repeated_bad_value_is_reported_at_each_position() -> None:
    item = ["HL*{n}*1*I", "LIN**UP*012345678905", "SN1**1X*EA"]
    body = ["BSN*00*SHIP1*20260301*0800*0001", "HL*1**S"]
    for n in (2, 3, 4):
        body += [s.format(n=n) for s in item]
    result = translate_inbound(_interchange("SH", "856", body), InboundOptions(now=NOW))
    (message,) = result.interchanges[0].messages()
    positions = [
        e.location.segment_position
        for e in message.errors
        if isinstance(e, ElementError) and e.location.segment_tag == "SN1" and e.location.element_index == 2
    ]
    # the validator reports each SN1 at its own position, the map each item it builds at the item's HL
    assert positions == [6, 9, 12, 4, 7, 10]
    assert isinstance(message.document, ShipNotice)


def test_identical_cartons_share_one_item() -> None:
    body = ["BSN*00*SHIP1*20260301*0800*0001", "HL*1**S", "HL*2*1*O", "PRF*PO1"]
    for n, lot in ((3, "LOT42"), (5, "LOT42"), (7, "LOT43"), (9, "LOT42")):
        body += [f"HL*{n}*2*P", f"MAN*GM*00012345000000000{n}", f"HL*{n + 1}*{n}*I"]
        body += ["LIN*1*UP*012345678905", "SN1**12*EA", f"REF*LT*{lot}"]
    body += ["DTM*011*20260301"]
    result = translate_inbound(_interchange("SH", "856", body), InboundOptions(now=NOW))
    assert result.ok, [str(e) for e in result.all_errors()]
    (notice,) = result.documents
    assert isinstance(notice, ShipNotice)
    first, second, other, dated = (pack.items[0] for pack in notice.orders[0].packs)
    assert first is second and notice.orders[0].packs[0].items is notice.orders[0].packs[1].items
    assert other is not first and other.lots[0].number == "LOT43"
    assert dated is not first and dated.dates and dated.model_copy(update={"dates": ()}) == first
    assert_exactly_validated(notice)
