"""The syntax-neutral entry points: syntax detection, streams as input, deterministic rendering."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from translators.api import detect_syntax, render_outbound, translate_inbound
from translators.canonical import PurchaseOrder
from translators.errors import EnvelopeError
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
