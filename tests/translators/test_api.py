"""The syntax-neutral entry points: syntax detection, streams as input, deterministic rendering."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from translators.api import detect_syntax, render_outbound, translate_inbound
from translators.canonical import PurchaseOrder
from translators.errors import EnvelopeError, RenderError
from translators.options import InboundOptions, OutboundOptions

NOW = dt.datetime(2026, 3, 1, 8, 0)
X12 = (
    b"\xef\xbb\xbf\r\nISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         "
    b"*260301*0800*U*00401*000000321*0*P*>~GS*PO*BUYER*SELLER*20260301*0800*12*X*004010~"
    b"ST*850*0001~BEG*00*SA*PO-1**20260301~PO1*1*5*EA*2.5**BP*A-1~SE*4*0001~GE*1*12~IEA*1*000000321~"
)


def test_detect_syntax() -> None:
    assert detect_syntax(X12) == "x12"
    assert detect_syntax(b"  UNA:+.? 'UNB+UNOC:3+A+B+260301:0800+1'") == "edifact"
    assert detect_syntax(b"UNB+UNOA:2+A+B+260301:0800+1'") == "edifact"
    with pytest.raises(EnvelopeError):
        detect_syntax(b"SA*00*not an interchange")


def test_stream_and_bytes_give_the_same_result() -> None:
    options = InboundOptions(now=NOW)
    from_bytes = translate_inbound(X12, options)
    from_stream = translate_inbound(io.BytesIO(X12), options)
    assert from_bytes.documents == from_stream.documents
    assert [a.data for a in from_bytes.acks] == [a.data for a in from_stream.acks]
    (interchange,) = from_bytes.interchanges
    assert (interchange.sender_id, interchange.receiver_id, interchange.control_ref) == (
        "BUYER",
        "SELLER",
        "000000321",
    )
    (message,) = interchange.messages()
    assert message.accepted and isinstance(message.document, PurchaseOrder)


def test_render_is_deterministic_and_uses_the_given_control_numbers() -> None:
    (document,) = translate_inbound(X12, InboundOptions(now=NOW)).documents
    options = OutboundOptions(
        syntax="x12", sender_id="SELLER", receiver_id="BUYER", interchange_control_number=42,
        group_control_number=43, message_control_number=44, now=NOW,
    )  # fmt: skip
    first, second = render_outbound(document, options), render_outbound(document, options)
    assert first == second
    assert b"*000000042*" in first and b"GS*PO*SELLER*BUYER*20260301*0800*43*X*004010~" in first
    assert b"ST*850*0044~" in first and b"SE*4*0044~" in first


def _edifact(**overrides: object) -> OutboundOptions:
    values: dict[str, object] = {
        "syntax": "edifact", "sender_id": "SELLER", "receiver_id": "BUYER", "interchange_control_number": 7,
        "group_control_number": 7, "message_control_number": 8, "now": NOW,
    }  # fmt: skip
    return OutboundOptions(**(values | overrides))  # type: ignore[arg-type]


def _order(description: str) -> PurchaseOrder:
    (document,) = translate_inbound(X12, InboundOptions(now=NOW)).documents
    assert isinstance(document, PurchaseOrder)
    line = document.lines[0].model_copy(update={"descriptions": (description,)})
    return document.model_copy(update={"lines": (line,)})


def test_edifact_defaults_to_unoc_syntax_3() -> None:
    data = render_outbound(_order("Widget, blue"), _edifact())
    assert b"UNB+UNOC:3+SELLER+BUYER+260301:0800+7'" in data and b"Widget, blue" in data


def test_edifact_unoy_is_syntax_4_utf8_and_reads_back_unchanged() -> None:
    order = _order("Müller Żółw 東京 widget")
    data = render_outbound(order, _edifact(character_set="UNOY"))
    assert b"UNB+UNOY:4+SELLER+BUYER+20260301:0800+7'" in data
    assert "Müller Żółw 東京 widget".encode() in data
    (back,) = translate_inbound(data, InboundOptions(now=NOW)).documents
    assert isinstance(back, PurchaseOrder) and back.lines[0].descriptions == ("Müller Żółw 東京 widget",)


def test_edifact_unoa_writes_upper_case_and_refuses_what_level_a_lacks() -> None:
    data = render_outbound(_order("widget (blue)"), _edifact(character_set="unoa", syntax_version="2"))
    assert b"UNB+UNOA:2+SELLER+BUYER+260301:0800+7'" in data and b"WIDGET (BLUE)" in data
    result = translate_inbound(data, InboundOptions(now=NOW))
    (back,) = result.documents
    assert not result.all_errors() and isinstance(back, PurchaseOrder)
    assert back.lines[0].descriptions == ("WIDGET (BLUE)",)
    with pytest.raises(RenderError) as refused:
        render_outbound(_order("widget @ 50% #7"), _edifact(character_set="UNOA"))
    error = refused.value
    assert error.code == "21" and "'@' is outside the UNOA character repertoire" in str(error)
    assert (error.location.message_ref, error.location.segment_tag) == ("8", "IMD")
    assert error.location.segment_position is not None and error.location.segment_position > 1


def test_edifact_unob_and_unoc_refuse_characters_they_cannot_carry() -> None:
    with pytest.raises(RenderError, match="'é' is outside the UNOB character repertoire") as unob:
        render_outbound(_order("café"), _edifact(character_set="UNOB"))
    assert unob.value.location.segment_tag == "IMD"
    with pytest.raises(RenderError, match="'東京' cannot be encoded in UNOC") as unoc:
        render_outbound(_order("東京"), _edifact())
    assert (unoc.value.location.message_ref, unoc.value.location.segment_tag) == ("8", "IMD")
    with pytest.raises(RenderError, match="unknown syntax identifier 'UNOZ'"):
        render_outbound(_order("x"), _edifact(character_set="UNOZ"))
