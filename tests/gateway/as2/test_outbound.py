"""Outbound building: headers (never folded, AS2 names quoted), quirk switches, MIC, attachments."""

from __future__ import annotations

import pytest

from gateway.as2 import OutboundPayload, SendOptions, build_message, unwrap
from gateway.as2.errors import HeaderValueError
from gateway.as2.headers import format_as2_name, new_message_id, parse_as2_name
from gateway.as2.mime import Limits, parse_entity

from .keys import NOW, Identity

PAYLOAD = b"ISA*00*~GS*PO~ST*850*0001~SE*2*0001~GE*1*1~IEA*1*000000001~"


def test_as2_names_are_quoted_only_when_needed() -> None:
    assert format_as2_name("GATEWAY") == "GATEWAY"
    assert format_as2_name("Acme Corp") == '"Acme Corp"'
    assert format_as2_name('say "hi"') == '"say \\"hi\\""'
    assert parse_as2_name('"say \\"hi\\""') == 'say "hi"'
    assert parse_as2_name("MiXeD") == "MiXeD"
    for bad in ("", "a" * 129, "line\r\nInjected: yes", "tab\there"):
        with pytest.raises(HeaderValueError):
            format_as2_name(bad)
    assert new_message_id("gw.example").endswith("@gw.example>")


def test_headers_are_single_lines_and_complete(us: Identity, partner: Identity) -> None:
    options = SendOptions(
        as2_from="Acme Corp", as2_to="partner", sign_with=us.pair, encrypt_to=[partner.cert],
        mdn="async", receipt_url="https://gw.example/as2/mdn", receipt_micalgs=("sha-512", "sha256"),
    )  # fmt: skip
    message = build_message(OutboundPayload(PAYLOAD), options, message_id="m-1@gw", now=NOW)
    headers = dict(message.headers)
    assert headers["AS2-From"] == '"Acme Corp"'
    assert headers["Message-ID"] == "<m-1@gw>"
    assert headers["Receipt-Delivery-Option"] == "https://gw.example/as2/mdn"
    assert headers["Disposition-Notification-Options"].endswith(
        "signed-receipt-micalg=optional, sha-512, sha-256"
    )
    assert message.mic_algorithm == "sha512"
    assert all("\r" not in v and "\n" not in v for _, v in message.headers)
    assert message.header_bytes.count(b"\r\n") == len(message.headers)
    result = unwrap(message.headers, message.body, keys=[partner.pair], partner_certs=[us.cert])
    assert (result.mic, result.mic_algorithm) == (message.mic, message.mic_algorithm)


@pytest.mark.parametrize(
    ("spelling", "expected"), [("rfc5751", "sha-256"), ("compact", "sha256"), ("upper", "SHA256")]
)
def test_micalg_spelling_quirk(us: Identity, spelling: str, expected: str) -> None:
    options = SendOptions(as2_from="gw", as2_to="p", sign_with=us.pair, micalg_spelling=spelling)  # type: ignore[arg-type]
    message = build_message(OutboundPayload(PAYLOAD), options, message_id="<m@gw>", now=NOW)
    assert f"micalg={expected};" in dict(message.headers)["Content-Type"]


def test_base64_transfer_encoding_and_content_type_quirks(us: Identity, partner: Identity) -> None:
    options = SendOptions(as2_from="gw", as2_to="p", sign_with=us.pair, encrypt_to=[partner.cert],
                          transfer_encoding="base64", mdn="none")  # fmt: skip
    message = build_message(
        OutboundPayload(PAYLOAD, content_type="application/EDIFACT"), options, message_id="<m@gw>", now=NOW
    )
    headers = dict(message.headers)
    assert headers["Content-Transfer-Encoding"] == "base64"
    assert "Disposition-Notification-To" not in headers
    assert message.mic is None
    assert message.body[:4].isalnum()
    result = unwrap(message.headers, message.body, keys=[partner.pair], partner_certs=[us.cert])
    assert result.payload.data == PAYLOAD
    assert result.payload.content_type == "application/EDIFACT"


def test_plain_message_mic_is_over_the_payload(us: Identity) -> None:
    message = build_message(
        OutboundPayload(PAYLOAD), SendOptions(as2_from="gw", as2_to="p"), message_id="<m@gw>", now=NOW
    )
    assert message.body == PAYLOAD
    result = unwrap(message.headers, message.body)
    assert result.mic == message.mic


def test_multiple_attachments_round_trip(us: Identity, partner: Identity) -> None:
    items = [
        OutboundPayload(PAYLOAD, filename="po.x12"),
        OutboundPayload(b"%PDF", "application/pdf", "spec.pdf"),
    ]
    options = SendOptions(as2_from="gw", as2_to="p", sign_with=us.pair, encrypt_to=[partner.cert],
                          compression="before-signing")  # fmt: skip
    message = build_message(items, options, message_id="<m@gw>", now=NOW)
    result = unwrap(message.headers, message.body, keys=[partner.pair], partner_certs=[us.cert])
    assert [(p.data, p.filename) for p in result.payloads] == [(PAYLOAD, "po.x12"), (b"%PDF", "spec.pdf")]
    assert result.mic == message.mic


def test_resend_is_byte_identical_when_rebuilt_from_storage(us: Identity) -> None:
    options = SendOptions(as2_from="gw", as2_to="p", sign_with=us.pair)
    message = build_message(OutboundPayload(PAYLOAD), options, message_id="<m@gw>", now=NOW, boundary="fixed")
    entity = parse_entity(message.header_bytes + b"\r\n" + message.body, Limits())
    assert entity.body == message.body


def test_async_without_url_is_refused(us: Identity) -> None:
    with pytest.raises(ValueError, match="receipt URL"):
        build_message(OutboundPayload(PAYLOAD), SendOptions(as2_from="gw", as2_to="p", mdn="async"),
                      message_id="<m@gw>", now=NOW)  # fmt: skip
