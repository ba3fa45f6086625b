"""Acknowledgements we send (997 / 999 / TA1) and reconciliation of the ones we receive."""

from __future__ import annotations

import datetime as dt

from translators.api import translate_inbound
from translators.canonical import AckLevelStatus, FunctionalAck
from translators.options import InboundOptions
from translators.reconcile import Outcome, SentMessage, reconcile

NOW = dt.datetime(2026, 3, 1, 8, 5)
OPTIONS = InboundOptions(now=NOW, ack_interchange_control_number=900, ack_group_control_number=77)


def _interchange(version: str, body: str, ack_requested: str = "0", iea_control: str = "000000321") -> bytes:
    isa_version = version[:5]
    return (
        f"ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         *260301*0800*^*{isa_version}"
        f"*000000321*{ack_requested}*P*:~GS*PO*BUYER*SELLER*20260301*0800*12*X*{version}~"
        f"{body}GE*2*12~IEA*1*{iea_control}~"
    ).encode()


GOOD = "ST*850*0001~BEG*00*SA*PO-1**20260301~PO1*1*5*EA*2.5**BP*A-1~SE*4*0001~"
BAD = "ST*850*0002~BEG*00*SA*PO-2**20261341~PO1*1*X*EA*2.5**BP*A-1~SE*4*0002~"


def test_997_for_4010_reports_segment_and_element_errors() -> None:
    result = translate_inbound(_interchange("004010", GOOD + BAD), OPTIONS)
    (ack,) = result.acks
    assert ack.kind == "997"
    text = ack.data.decode().replace("\n", "")
    assert "ST*997*0001~" in text and "GS*FA*SELLER*BUYER*20260301*0805*77*X*004010~" in text
    assert "AK2*850*0001~AK5*A~" in text
    assert "AK2*850*0002~AK3*BEG*2**8~AK4*5**8~AK3*PO1*3**8~AK4*2**6~AK5*R*5~" in text
    assert "AK9*P*2*2*1~" in text
    assert text.startswith(
        "ISA*00*          *00*          *ZZ*SELLER         *ZZ*BUYER          *260301*0805*U*00401*000000900"
    )


def test_999_for_5010_uses_ik_segments() -> None:
    result = translate_inbound(_interchange("005010", GOOD + BAD), OPTIONS)
    (ack,) = result.acks
    text = ack.data.decode().replace("\n", "")
    assert ack.kind == "999" and "ST*999*0001*005010X231~" in text
    assert "AK2*850*0002~IK3*BEG*2**8~IK4*5**8~IK3*PO1*3**8~IK4*2**6~IK5*R*5~" in text
    assert "*^*00501*000000900*" in text


def test_ta1_for_envelope_error_and_when_requested() -> None:
    result = translate_inbound(
        _interchange("004010", GOOD + GOOD.replace("0001", "0003"), iea_control="000000999"), OPTIONS
    )
    kinds = [a.kind for a in result.acks]
    assert kinds == ["TA1", "997"]
    assert b"TA1*000000321*260301*0800*R*001~" in result.acks[0].data
    requested = translate_inbound(
        _interchange("004010", GOOD + GOOD.replace("0001", "0003"), ack_requested="1"),
        InboundOptions(now=NOW, ta1="requested"),
    )
    assert b"TA1*000000321*260301*0800*A*000~" in requested.acks[0].data


def test_generated_ack_reconciles_with_what_was_sent() -> None:
    result = translate_inbound(_interchange("004010", GOOD + BAD), OPTIONS)
    back = translate_inbound(result.acks[0].data, OPTIONS)
    (document,) = back.documents
    assert isinstance(document, FunctionalAck)
    sent = [
        SentMessage("850", "0001", group_ref="12"),
        SentMessage("850", "0002", group_ref="12"),
        SentMessage("850", "0003", group_ref="12"),
    ]
    outcome = reconcile(document, sent)
    assert [o.outcome for o in outcome.outcomes] == [
        Outcome.ACCEPTED,
        Outcome.REJECTED,
        Outcome.NOT_ACKNOWLEDGED,
    ]
    assert outcome.outcomes[1].error_codes == ("5",) and outcome.outcomes[1].segment_errors == 2
    assert document.groups[0].status is AckLevelStatus.PARTIALLY_ACCEPTED


def test_group_level_rejection_rejects_every_set() -> None:
    text = (
        "ISA*00*          *00*          *ZZ*SELLER         *ZZ*BUYER          "
        "*260301*0900*U*00401*000000005*0*P*>~"
        "GS*FA*SELLER*BUYER*20260301*0900*5*X*004010~ST*997*0001~AK1*PO*12~AK9*R*2*2*0*4~SE*4*0001~GE*1*5~"
        "IEA*1*000000005~"
    )
    (document,) = translate_inbound(text.encode(), OPTIONS).documents
    assert isinstance(document, FunctionalAck)
    outcome = reconcile(
        document, [SentMessage("850", "0001", group_ref="12"), SentMessage("850", "9", group_ref="13")]
    )
    assert [o.outcome for o in outcome.outcomes] == [Outcome.REJECTED, Outcome.NOT_ACKNOWLEDGED]
    assert outcome.outcomes[0].error_codes == ("4",)
