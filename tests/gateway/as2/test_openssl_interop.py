"""Interop with an openssl-CLI partner, both directions, across the structure × digest × cipher matrix.

Inbound: openssl builds the request, our codec unwraps it and answers with an MDN that openssl verifies.
Outbound: our codec builds the message, openssl decrypts/verifies it and the MIC is recomputed here.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
from email.message import Message

import pytest

from gateway.as2 import (
    InboundPolicy,
    MdnRequest,
    OutboundPayload,
    SendOptions,
    build_mdn,
    build_message,
    disposition_text,
    parse_mdn,
    unwrap,
)
from gateway.as2.mic import spell

from .keys import NOW, Identity
from .openssl_peer import OpenSSLPeer

DIGESTS = ("sha1", "sha256", "sha512")
CIPHERS = ("tripledes_3key", "aes128_cbc", "aes256_cbc", "aes128_gcm", "aes256_gcm")
ISA = b"ISA*00*          *00*          *ZZ*PARTNER        *ZZ*GATEWAY        *260601*1200*U*00401*"
PAYLOAD = (ISA + b"000000001*0*P*>~\r\n") * 20
STRUCTURES = {
    "plain": (False, False, "none"),
    "signed": (True, False, "none"),
    "encrypted": (False, True, "none"),
    "signed+encrypted": (True, True, "none"),
    "compressed-before-signing": (True, False, "before-signing"),
    "compressed-after-signing": (True, False, "after-signing"),
    "compressed-before-signing+encrypted": (True, True, "before-signing"),
    "compressed-after-signing+encrypted": (True, True, "after-signing"),
}


def _matrix() -> list[tuple[str, str | None, str | None]]:
    cases = []
    for name, (is_signed, is_encrypted, _) in STRUCTURES.items():
        digests = DIGESTS if is_signed else (None,)
        ciphers = CIPHERS if is_encrypted else (None,)
        cases += [(name, d, c) for d, c in itertools.product(digests, ciphers)]
    return cases


MATRIX = _matrix()


def _mic(data: bytes, algorithm: str) -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def _peer_request(
    peer: OpenSSLPeer, structure: str, digest: str | None, cipher: str | None, mic_alg: str
) -> tuple[dict[str, str], bytes, bytes]:
    """openssl builds the request; returns HTTP headers, body, and the bytes the MIC must cover."""
    is_signed, is_encrypted, compression = STRUCTURES[structure]
    entity = peer.entity(PAYLOAD, filename="order 850.x12")
    mic_content = PAYLOAD
    if compression == "before-signing":
        entity = peer.compressed_entity(entity)
    if is_signed:
        assert digest is not None
        mic_content = entity
        entity = peer.sign(entity, digest)
    if compression == "after-signing":
        entity = peer.compressed_entity(entity)
    if is_encrypted:
        assert cipher is not None
        mic_content = entity if not is_signed else mic_content
        entity = peer.enveloped_http(peer.encrypt(entity, cipher), cipher)
    options = (
        f"signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, {spell(mic_alg)}"
    )
    headers, body = peer.http(entity, **{"Disposition-Notification-Options": options})
    return headers, body, mic_content


@pytest.mark.parametrize(("structure", "digest", "cipher"), MATRIX)
@pytest.mark.parametrize("signed_mdn", [True, False], ids=["signed-mdn", "unsigned-mdn"])
def test_openssl_request_is_unwrapped_and_mdn_verifies(
    peer: OpenSSLPeer, us: Identity, partner: Identity, structure: str, digest: str | None,
    cipher: str | None, signed_mdn: bool,
) -> None:  # fmt: skip
    mic_alg = digest or "sha256"
    headers, body, mic_content = _peer_request(peer, structure, digest, cipher, mic_alg)
    result = unwrap(headers, body, keys=[us.pair], partner_certs=[partner.cert], policy=InboundPolicy())
    is_signed, is_encrypted, compression = STRUCTURES[structure]
    assert result.payload.data == PAYLOAD
    assert result.payload.filename == "order 850.x12"
    assert result.signed is is_signed
    assert result.encrypted is is_encrypted
    assert result.compression == (None if compression == "none" else compression)
    assert (result.mic, result.mic_algorithm) == (_mic(mic_content, mic_alg), mic_alg)
    if is_signed:
        assert result.signer == partner.cert
        assert result.signature is not None
        assert result.mic_content == mic_content

    request = MdnRequest.from_headers(headers)
    mdn = build_mdn(
        request, disposition=disposition_text(), message_id="<mdn-1@gateway>", now=NOW,
        received_mic=(result.mic, result.mic_algorithm), sign_with=us.pair if signed_mdn else None,
    )  # fmt: skip
    entity = peer.to_entity(mdn.headers, mdn.body)
    report = peer.verify(entity, us) if signed_mdn else entity
    notification = _notification(peer, report)
    assert notification["Disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert notification["Original-Message-ID"] == "<peer-1@partner>"
    assert notification["Received-Content-MIC"] == f"{_mic(mic_content, mic_alg)}, {spell(mic_alg)}"


def _notification(peer: OpenSSLPeer, report: bytes) -> dict[str, str]:
    message = peer.parse(report)
    assert message.get_content_type() == "multipart/report"
    for part in message.walk():
        if part.get_content_type() == "message/disposition-notification":
            payload = part.get_payload()
            block = payload[0] if isinstance(payload, list) else peer.parse(str(payload).encode())
            assert isinstance(block, Message)
            return dict(block.items())
    raise AssertionError("no disposition-notification part")


@pytest.mark.parametrize(("structure", "digest", "cipher"), MATRIX)
def test_gateway_message_opens_with_openssl(
    peer: OpenSSLPeer, us: Identity, partner: Identity, structure: str, digest: str | None, cipher: str | None
) -> None:
    is_signed, is_encrypted, compression = STRUCTURES[structure]
    options = SendOptions(
        as2_from="gateway", as2_to="partner", sign_with=us.pair if is_signed else None,
        digest_algorithm=digest or "sha256", encrypt_to=[partner.cert] if is_encrypted else [],
        cipher=cipher or "aes256_cbc", compression=compression,  # type: ignore[arg-type]
        receipt_micalgs=(digest or "sha256",),
    )  # fmt: skip
    message = build_message(
        OutboundPayload(PAYLOAD, filename="po.x12"), options, message_id="<m1@gateway>", now=NOW
    )
    entity = peer.to_entity(message.headers, message.body)
    mic_content = PAYLOAD
    if is_encrypted:
        entity = peer.decrypt(message.body)
        mic_content = entity
    if compression == "after-signing":
        entity = peer.decompress(entity.partition(b"\r\n\r\n")[2])
    if is_signed:
        mic_content = peer.verify(entity, us)
        entity = mic_content
    if compression == "before-signing":
        entity = peer.decompress(entity.partition(b"\r\n\r\n")[2])
    part = peer.parse(entity)
    assert part.get_content_type() == "application/edi-x12"
    assert part.get_filename() == "po.x12"
    assert entity.partition(b"\r\n\r\n")[2] == PAYLOAD
    assert message.mic == _mic(mic_content, digest or "sha256")


@pytest.mark.parametrize("oaep", ["sha1", "sha256"])
@pytest.mark.parametrize("pss", [False, True], ids=["pkcs1v15", "pss"])
def test_oaep_and_pss_from_openssl(
    peer: OpenSSLPeer, us: Identity, partner: Identity, oaep: str, pss: bool
) -> None:
    signed_entity = peer.sign(peer.entity(PAYLOAD), "sha384", pss=pss)
    der = peer.encrypt(signed_entity, "aes192_cbc", oaep=oaep)
    headers, body = peer.http(peer.enveloped_http(der, "aes192_cbc"))
    result = unwrap(headers, body, keys=[us.pair], partner_certs=[partner.cert])
    assert result.payload.data == PAYLOAD
    assert result.signature_algorithm == "sha384"


@pytest.mark.parametrize("key_transport", ["rsaes_oaep_sha1", "rsaes_oaep_sha256"])
def test_gateway_oaep_and_pss_open_with_openssl(
    peer: OpenSSLPeer, us: Identity, partner: Identity, key_transport: str
) -> None:
    options = SendOptions(
        as2_from="gateway", as2_to="partner", sign_with=us.pair, pss=True, digest_algorithm="sha224",
        encrypt_to=[partner.cert], cipher="aes192_cbc", key_transport=key_transport,  # type: ignore[arg-type]
    )  # fmt: skip
    message = build_message(OutboundPayload(PAYLOAD), options, message_id="<m2@gateway>", now=NOW)
    content = peer.verify(peer.decrypt(message.body), us)
    assert content.endswith(PAYLOAD)


@pytest.mark.parametrize("micalg", ["sha1", "sha-256", "SHA512"])
def test_openssl_signed_mdn_is_verified_and_matched(
    peer: OpenSSLPeer, us: Identity, partner: Identity, micalg: str
) -> None:
    options = SendOptions(as2_from="gateway", as2_to="partner", sign_with=us.pair, receipt_micalgs=(micalg,))
    message = build_message(OutboundPayload(PAYLOAD), options, message_id="<m3@gateway>", now=NOW)
    fields = (
        "Reporting-UA: openssl peer\r\nOriginal-Recipient: rfc822; partner\r\n"
        "Final-Recipient: rfc822; partner\r\n"
        f"Original-Message-ID: {message.message_id}\r\n"
        f"Received-Content-MIC: {message.mic},{micalg}\r\n"
        "Disposition: automatic-action/MDN-sent-automatically;processed\r\n"
    )
    report = (
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="rpt"\r\n\r\n'
        "--rpt\r\nContent-Type: text/plain\r\n\r\nReceived.\r\n"
        f"--rpt\r\nContent-Type: message/disposition-notification\r\n\r\n{fields}\r\n--rpt--\r\n"
    ).encode()
    headers, body = peer.http(peer.sign(report, "sha256"))
    headers.pop("Message-ID")
    parsed = parse_mdn(headers, body, partner_certs=[partner.cert], require_signature=True)
    assert parsed.signer == partner.cert
    assert parsed.message_id is None
    assert parsed.processed_ok
    assert parsed.matches(
        message_id=message.message_id, mic_value=message.mic, mic_algorithm=message.mic_algorithm
    )


def test_legacy_openssl_smime_peer(peer: OpenSSLPeer, us: Identity, partner: Identity) -> None:
    """``openssl smime`` writes x-pkcs7 types, LF header lines and a base64 envelope."""
    smime = peer.smime_sign_encrypt(peer.entity(PAYLOAD, filename="legacy.edi"))
    head, _, body = smime.partition(b"\n\n")
    assert b"application/x-pkcs7-mime" in head
    headers = dict(line.split(": ", 1) for line in head.decode().splitlines() if ": " in line)
    result = unwrap(
        {**headers, "Message-ID": "<legacy@partner>"}, body, keys=[us.pair], partner_certs=[partner.cert]
    )
    assert result.payload.data == PAYLOAD
    assert result.payload.filename == "legacy.edi"
    assert result.layers == ("encrypted", "signed")


@pytest.mark.parametrize("mode", ["sync", "async", "none"])
def test_mdn_modes_requested_by_openssl_peer(
    peer: OpenSSLPeer, us: Identity, partner: Identity, mode: str
) -> None:
    headers, body, mic_content = _peer_request(peer, "signed+encrypted", "sha256", "aes256_cbc", "sha256")
    if mode == "async":
        headers["Receipt-Delivery-Option"] = "https://partner.example/as2/mdn"
    if mode == "none":
        del headers["Disposition-Notification-To"], headers["Disposition-Notification-Options"]
    result = unwrap(headers, body, keys=[us.pair], partner_certs=[partner.cert])
    request = MdnRequest.from_headers(headers)
    assert request.wants_mdn is (mode != "none")
    assert request.is_async is (mode == "async")
    assert result.mic == _mic(mic_content, "sha256")
    if request.wants_mdn:
        mdn = build_mdn(request, disposition=disposition_text(), message_id="<mdn-2@gateway>", now=NOW,
                        received_mic=(result.mic, result.mic_algorithm), sign_with=us.pair)  # fmt: skip
        report = peer.verify(peer.to_entity(mdn.headers, mdn.body), us)
        assert _notification(peer, report)["Received-Content-MIC"] == f"{result.mic}, sha-256"
