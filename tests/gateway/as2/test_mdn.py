"""MDNs: exact disposition texts, signed/unsigned building, lenient parsing, MIC and signature checks."""

from __future__ import annotations

import pytest

from gateway.as2 import MdnRequest, build_mdn, disposition_text, parse_mdn
from gateway.as2.errors import (
    AuthenticationFailedError,
    DecompressionFailedError,
    DecryptionFailedError,
    InsufficientMessageSecurityError,
    IntegrityCheckFailedError,
    MdnError,
    MdnSignatureError,
    UnexpectedProcessingError,
    UnknownTradingPartnerError,
    UnsupportedMicAlgorithmError,
)
from gateway.as2.mic import choose_algorithm, parse_options, parse_received_mic

from .keys import NOW, Identity

REQUEST_HEADERS = {
    "Message-ID": "<orig-1@partner>",
    "AS2-From": '"Partner Inc"',
    "AS2-To": "GATEWAY",
    "Disposition-Notification-To": "mdn@partner.example",
    "Disposition-Notification-Options": (
        "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, SHA1, sha-256"
    ),
}
ACTION = "automatic-action/MDN-sent-automatically; "


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (AuthenticationFailedError("x"), "processed/error: authentication-failed"),
        (DecryptionFailedError("x"), "processed/error: decryption-failed"),
        (DecompressionFailedError("x"), "processed/error: decompression-failed"),
        (IntegrityCheckFailedError("x"), "processed/error: integrity-check-failed"),
        (InsufficientMessageSecurityError("x"), "processed/error: insufficient-message-security"),
        (UnexpectedProcessingError("x"), "processed/error: unexpected-processing-error"),
        (UnknownTradingPartnerError("x"), "processed/error: unknown-trading-partner"),
        (UnsupportedMicAlgorithmError("x"), "failed/Failure: unsupported-mic-algorithms"),
    ],
)
def test_disposition_texts_are_exact(error: Exception, text: str) -> None:
    assert disposition_text(error) == ACTION + text  # type: ignore[arg-type]


def test_processed_and_duplicate_texts() -> None:
    assert disposition_text() == "automatic-action/MDN-sent-automatically; processed"
    assert disposition_text(duplicate=True) == ACTION + "processed/warning: duplicate-document"


def test_request_parsing_is_lenient() -> None:
    request = MdnRequest.from_headers({k.lower(): v for k, v in REQUEST_HEADERS.items()})
    assert request.partner == "Partner Inc"
    assert request.us == "GATEWAY"
    assert request.wants_signed
    assert not request.is_async
    assert choose_algorithm(request.options) == "sha1"
    assert parse_options(
        "signed-receipt-protocol=optional,pkcs7-signature;signed-receipt-micalg=optional,sha-256"
    ).micalgs == ("sha-256",)
    assert parse_received_mic("abc=,SHA1") == ("abc=", "sha1")
    assert parse_received_mic(" abc= , sha-512 ") == ("abc=", "sha512")


def test_signed_mdn_round_trip_uses_first_supported_micalg(us: Identity) -> None:
    request = MdnRequest.from_headers(REQUEST_HEADERS)
    mdn = build_mdn(request, disposition=disposition_text(), message_id="<mdn@gw>", now=NOW,
                    received_mic=("bWlj", "sha1"), sign_with=us.pair)  # fmt: skip
    content_type = dict(mdn.headers)["Content-Type"]
    assert "micalg=sha-1" in content_type
    assert dict(mdn.headers)["AS2-To"] == '"Partner Inc"'
    parsed = parse_mdn(mdn.headers, mdn.body, partner_certs=[us.cert], require_signature=True)
    assert parsed.signer == us.cert
    assert parsed.matches(message_id="<orig-1@partner>", mic_value="bWlj", mic_algorithm="sha1")
    assert not parsed.matches(message_id="<orig-1@partner>", mic_value="other", mic_algorithm="sha1")
    assert not parsed.matches(message_id="<orig-2@partner>", mic_value=None, mic_algorithm=None)


def test_unsigned_mdn_when_not_requested(us: Identity) -> None:
    request = MdnRequest.from_headers({**REQUEST_HEADERS, "Disposition-Notification-Options": ""})
    error = DecryptionFailedError("bad key")
    mdn = build_mdn(
        request, disposition=disposition_text(error), message_id="<m@gw>", now=NOW, sign_with=us.pair
    )
    assert not mdn.signed
    parsed = parse_mdn(mdn.headers, mdn.body)
    assert (parsed.disposition_type, parsed.modifier_kind, parsed.modifier) == (
        "processed",
        "error",
        "decryption-failed",
    )
    assert not parsed.processed_ok
    with pytest.raises(MdnSignatureError):
        parse_mdn(mdn.headers, mdn.body, require_signature=True)


def test_mdn_signed_by_someone_else_is_rejected(us: Identity, stranger: Identity) -> None:
    mdn = build_mdn(MdnRequest.from_headers(REQUEST_HEADERS), disposition=disposition_text(),
                    message_id="<m@gw>", now=NOW, sign_with=stranger.pair)  # fmt: skip
    with pytest.raises(MdnSignatureError):
        parse_mdn(mdn.headers, mdn.body, partner_certs=[us.cert])


def test_async_request_and_odd_disposition_spacing() -> None:
    request = MdnRequest.from_headers(
        {**REQUEST_HEADERS, "Receipt-Delivery-Option": "https://partner.example/mdn"}
    )
    assert request.is_async
    body = (
        b"--b\r\nContent-Type: text/plain\r\n\r\nok\r\n"
        b"--b\r\nContent-Type: Message/Disposition-Notification\r\n\r\n"
        b"Original-Message-ID: orig-1@partner\r\n"
        b"Received-Content-MIC: bWlj,SHA-256\r\n"
        b"Disposition: Automatic-Action/MDN-sent-automatically ;Processed / Warning : duplicate-document\r\n"
        b"--b--\r\n"
    )
    headers = {"Content-Type": 'multipart/report; report-type=disposition-notification; boundary="b"'}
    parsed = parse_mdn(headers, body)
    assert parsed.message_id is None
    assert (parsed.disposition_type, parsed.modifier_kind, parsed.modifier) == (
        "processed",
        "warning",
        "duplicate-document",
    )
    assert parsed.processed_ok
    assert parsed.matches(message_id="orig-1@partner", mic_value="bWlj", mic_algorithm="sha256")


def test_not_an_mdn() -> None:
    with pytest.raises(MdnError):
        parse_mdn({"Content-Type": "text/html"}, b"<html></html>")
    with pytest.raises(MdnError):
        parse_mdn({"Content-Type": 'multipart/report; boundary="b"'}, b"--b\r\n\r\nx\r\n--b--\r\n")


def test_failure_mdn_for_unsupported_micalg_is_still_signed(us: Identity) -> None:
    options = "signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, gost"
    request = MdnRequest.from_headers({**REQUEST_HEADERS, "Disposition-Notification-Options": options})
    disposition = disposition_text(UnsupportedMicAlgorithmError("gost"))
    mdn = build_mdn(request, disposition=disposition, message_id="<m@gw>", now=NOW, sign_with=us.pair)
    parsed = parse_mdn(mdn.headers, mdn.body, partner_certs=[us.cert], require_signature=True)
    assert (parsed.disposition_type, parsed.modifier_kind) == ("failed", "failure")
    assert parsed.modifier == "unsupported-mic-algorithms"


def test_sync_async_and_no_mdn_requests() -> None:
    without = {k: v for k, v in REQUEST_HEADERS.items() if not k.startswith("Disposition")}
    assert not MdnRequest.from_headers(without).wants_mdn
    sync = MdnRequest.from_headers(REQUEST_HEADERS)
    assert sync.wants_mdn
    assert not sync.is_async
    asynchronous = MdnRequest.from_headers({**REQUEST_HEADERS, "receipt-delivery-option": " https://p/mdn "})
    assert asynchronous.receipt_url == "https://p/mdn"


def test_negative_mdn_when_as2_headers_were_missing() -> None:
    request = MdnRequest.from_headers({"Message-ID": "<x@p>", "Disposition-Notification-To": "m@p"})
    disposition = disposition_text(UnknownTradingPartnerError("no AS2-To"))
    mdn = build_mdn(request, disposition=disposition, message_id="<m@gw>", now=NOW, as2_from="GW", as2_to="P")
    assert dict(mdn.headers)["AS2-To"] == "P"
    assert parse_mdn(mdn.headers, mdn.body).modifier == "unknown-trading-partner"
