"""Inbound unwrap: field tolerance (SKI, several recipients, BER, no signed attributes, base64 without a
header, LF-only signed parts) and every negative case with the MDN modifier it must produce.
"""

from __future__ import annotations

import base64
import zlib

import pytest
from asn1crypto import cms

from gateway.as2 import InboundPolicy, Limits, unwrap
from gateway.as2.errors import (
    AS2Error,
    AuthenticationFailedError,
    DecompressionFailedError,
    DecryptionFailedError,
    InsufficientMessageSecurityError,
    IntegrityCheckFailedError,
    LimitExceededError,
    UnexpectedProcessingError,
    UnsupportedMicAlgorithmError,
)

from .keys import Identity
from .openssl_peer import OpenSSLPeer

PAYLOAD = b"UNA:+.? 'UNB+UNOC:3+PARTNER:14+GATEWAY:14+260601:1200+1'\r\nUNZ+1+1'\r\n"


def _signed_encrypted(peer: OpenSSLPeer, **encrypt: object) -> tuple[dict[str, str], bytes]:
    signed = peer.sign(peer.entity(PAYLOAD), "sha256")
    der = peer.encrypt(signed, "aes128_cbc", **encrypt)  # type: ignore[arg-type]
    return peer.http(peer.enveloped_http(der, "aes128_cbc"))


@pytest.mark.parametrize(
    "encrypt_options",
    [{"key_id": True}, {"stream": True}, {"recipients": ()}],
    ids=["subject-key-identifier", "ber-indefinite-length", "issuer-serial"],
)
def test_recipient_forms_and_ber(
    peer: OpenSSLPeer, us: Identity, partner: Identity, encrypt_options: dict[str, object]
) -> None:
    headers, body = _signed_encrypted(peer, **encrypt_options)
    result = unwrap(headers, body, keys=[us.pair], partner_certs=[partner.cert])
    assert result.payload.data == PAYLOAD


def test_several_recipients(peer: OpenSSLPeer, us: Identity, partner: Identity, stranger: Identity) -> None:
    headers, body = _signed_encrypted(peer, recipients=(stranger, partner))
    result = unwrap(headers, body, keys=[us.pair], partner_certs=[partner.cert])
    assert result.payload.data == PAYLOAD


def test_signature_without_signed_attributes(peer: OpenSSLPeer, partner: Identity) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha512", no_attributes=True))
    result = unwrap(headers, body, partner_certs=[partner.cert])
    assert result.signature_algorithm == "sha512"
    assert result.payload.data == PAYLOAD


def test_base64_envelope_without_transfer_encoding_header(peer: OpenSSLPeer, us: Identity) -> None:
    der = peer.encrypt(peer.entity(PAYLOAD), "aes256_cbc")
    headers, _ = peer.http(peer.enveloped_http(der, "aes256_cbc"))
    result = unwrap(headers, base64.encodebytes(der), keys=[us.pair])
    assert result.payload.data == PAYLOAD
    assert result.layers == ("encrypted",)


def test_lf_only_signed_part_headers_verify(peer: OpenSSLPeer, partner: Identity) -> None:
    """Senders sign CRLF headers but some stacks store the part with LF: the canonical variant matches."""
    smime = peer.sign(peer.entity(PAYLOAD), "sha256")
    entity_start = smime.index(b"Content-Type: application/edi-x12")
    header_end = smime.index(b"\r\n\r\n", entity_start)
    lf_headers = smime[entity_start:header_end].replace(b"\r\n", b"\n") + b"\n\n"
    mangled = smime[:entity_start] + lf_headers + smime[header_end + 4 :]
    headers, body = peer.http(mangled)
    result = unwrap(headers, body, partner_certs=[partner.cert])
    assert result.payload.data == PAYLOAD


def test_md5_only_for_legacy_partners(peer: OpenSSLPeer, partner: Identity) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "md5"))
    with pytest.raises(AuthenticationFailedError):
        unwrap(headers, body, partner_certs=[partner.cert])
    result = unwrap(headers, body, partner_certs=[partner.cert], policy=InboundPolicy(allow_md5=True))
    assert result.payload.data == PAYLOAD


# --- negative cases ------------------------------------------------------------------------------------


def _modifier(exc: pytest.ExceptionInfo[AS2Error]) -> str:
    return exc.value.disposition


def test_wrong_key_is_decryption_failed(peer: OpenSSLPeer, stranger: Identity) -> None:
    headers, body = _signed_encrypted(peer)
    with pytest.raises(DecryptionFailedError) as caught:
        unwrap(headers, body, keys=[stranger.pair])
    assert _modifier(caught) == "processed/error: decryption-failed"


def test_no_key_is_decryption_failed(peer: OpenSSLPeer) -> None:
    headers, body = _signed_encrypted(peer)
    with pytest.raises(DecryptionFailedError):
        unwrap(headers, body)


def test_tampered_body_is_integrity_check_failed(peer: OpenSSLPeer, partner: Identity) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha256"))
    tampered = body.replace(b"GATEWAY:14", b"GATEWAY:15")
    with pytest.raises(IntegrityCheckFailedError) as caught:
        unwrap(headers, tampered, partner_certs=[partner.cert])
    assert _modifier(caught) == "processed/error: integrity-check-failed"


def test_tampered_unattributed_signature_fails(peer: OpenSSLPeer, partner: Identity) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha256", no_attributes=True))
    with pytest.raises((IntegrityCheckFailedError, AuthenticationFailedError)):
        unwrap(headers, body.replace(b"UNZ+1+1", b"UNZ+1+2"), partner_certs=[partner.cert])


def test_foreign_signer_is_authentication_failed(
    peer: OpenSSLPeer, partner: Identity, stranger: Identity
) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha256", signer=stranger))
    with pytest.raises(AuthenticationFailedError) as caught:
        unwrap(headers, body, partner_certs=[partner.cert])
    assert _modifier(caught) == "processed/error: authentication-failed"


def test_no_partner_certificate_is_authentication_failed(peer: OpenSSLPeer) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha256"))
    with pytest.raises(AuthenticationFailedError):
        unwrap(headers, body)


def test_unsigned_when_signature_required(peer: OpenSSLPeer, us: Identity) -> None:
    der = peer.encrypt(peer.entity(PAYLOAD), "aes256_cbc")
    headers, body = peer.http(peer.enveloped_http(der, "aes256_cbc"))
    policy = InboundPolicy(require_signature=True)
    with pytest.raises(InsufficientMessageSecurityError) as caught:
        unwrap(headers, body, keys=[us.pair], policy=policy)
    assert _modifier(caught) == "processed/error: insufficient-message-security"


def test_unencrypted_when_encryption_required(peer: OpenSSLPeer, partner: Identity) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha256"))
    with pytest.raises(InsufficientMessageSecurityError):
        unwrap(headers, body, partner_certs=[partner.cert], policy=InboundPolicy(require_encryption=True))


def _compressed_http(peer: OpenSSLPeer, content: bytes) -> tuple[dict[str, str], bytes]:
    data = cms.CompressedData(
        {"version": "v0", "compression_algorithm": {"algorithm": "zlib"},
         "encap_content_info": {"content_type": "data", "content": content}}
    )  # fmt: skip
    der = cms.ContentInfo({"content_type": "compressed_data", "content": data}).dump()
    head = b"Content-Type: application/pkcs7-mime; smime-type=compressed-data\r\n\r\n"
    return peer.http(head + der)


def test_compression_bomb_is_stopped_at_the_cap(peer: OpenSSLPeer) -> None:
    bomb = zlib.compress(b"Content-Type: text/plain\r\n\r\n" + bytes(64 * 1024 * 1024), 9)
    headers, body = _compressed_http(peer, bomb)
    assert len(body) < 200_000
    with pytest.raises(DecompressionFailedError) as caught:
        unwrap(headers, body, limits=Limits(max_decompressed_bytes=1024 * 1024))
    assert _modifier(caught) == "processed/error: decompression-failed"


def test_corrupt_zlib_is_decompression_failed(peer: OpenSSLPeer) -> None:
    headers, body = _compressed_http(peer, b"\x78\x9c not a deflate stream")
    with pytest.raises(DecompressionFailedError):
        unwrap(headers, body)


def test_two_compression_layers_are_refused(peer: OpenSSLPeer) -> None:
    inner = peer.compressed_entity(peer.entity(PAYLOAD))
    headers, body = _compressed_http(peer, zlib.compress(inner))
    with pytest.raises(UnexpectedProcessingError, match="more than one compression"):
        unwrap(headers, body)


def test_required_unknown_micalg_is_unsupported(peer: OpenSSLPeer) -> None:
    options = "signed-receipt-protocol=required, pkcs7-signature; signed-receipt-micalg=required, gost3411"
    headers, body = peer.http(peer.entity(PAYLOAD), **{"Disposition-Notification-Options": options})
    with pytest.raises(UnsupportedMicAlgorithmError) as caught:
        unwrap(headers, body)
    assert _modifier(caught) == "failed/Failure: unsupported-mic-algorithms"


def test_optional_unknown_micalg_falls_back(peer: OpenSSLPeer) -> None:
    options = (
        "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, whirlpool,SHA1"
    )
    headers, body = peer.http(peer.entity(PAYLOAD), **{"Disposition-Notification-Options": options})
    assert unwrap(headers, body).mic_algorithm == "sha1"


def _nested(depth: int) -> bytes:
    entity = b"Content-Type: text/plain\r\n\r\nleaf"
    for level in range(depth):
        mark = f"b{level}".encode()
        entity = (
            b'Content-Type: multipart/mixed; boundary="' + mark + b'"\r\n\r\n--' + mark + b"\r\n"
            + entity + b"\r\n--" + mark + b"--\r\n"
        )  # fmt: skip
    return entity


def test_deeply_nested_mime_hits_the_depth_limit(peer: OpenSSLPeer) -> None:
    headers, body = peer.http(_nested(40))
    with pytest.raises(LimitExceededError) as caught:
        unwrap(headers, body, limits=Limits(max_mime_depth=8))
    assert caught.value.limit == "max_mime_depth"
    assert _modifier(caught) == "processed/error: unexpected-processing-error"


def test_shallow_nesting_is_fine(peer: OpenSSLPeer) -> None:
    headers, body = peer.http(_nested(3))
    assert unwrap(headers, body).payload.data == b"leaf"


def test_too_many_parts(peer: OpenSSLPeer) -> None:
    parts = b"".join(b"--x\r\nContent-Type: text/plain\r\n\r\np\r\n" for _ in range(50))
    headers, body = peer.http(b'Content-Type: multipart/related; boundary="x"\r\n\r\n' + parts + b"--x--\r\n")
    with pytest.raises(LimitExceededError) as caught:
        unwrap(headers, body, limits=Limits(max_mime_parts=10))
    assert caught.value.limit == "max_mime_parts"


def test_body_and_header_limits(peer: OpenSSLPeer) -> None:
    headers, body = peer.http(peer.entity(PAYLOAD))
    with pytest.raises(LimitExceededError, match="body"):
        unwrap(headers, body, limits=Limits(max_body_bytes=10))
    with pytest.raises(LimitExceededError, match="headers"):
        unwrap({**headers, "X-Padding": "a" * 5000}, body, limits=Limits(max_header_bytes=4096))


def test_huge_part_header_block_is_refused(peer: OpenSSLPeer) -> None:
    part = b"Content-Type: text/plain\r\n" + b"X-Junk: " + b"j" * 100_000 + b"\r\n\r\nbody"
    headers, body = peer.http(
        b'Content-Type: multipart/related; boundary="x"\r\n\r\n--x\r\n' + part + b"\r\n--x--\r\n"
    )
    with pytest.raises(LimitExceededError) as caught:
        unwrap(headers, body, limits=Limits(max_header_bytes=16 * 1024))
    assert caught.value.limit == "max_header_bytes"


def test_garbage_pkcs7_is_a_typed_error(peer: OpenSSLPeer, us: Identity) -> None:
    headers, _ = peer.http(peer.enveloped_http(b"", "aes128_cbc"))
    with pytest.raises(DecryptionFailedError):
        unwrap(headers, b"\x30\x03\x02\x01\x00", keys=[us.pair])
    plain, _ = peer.http(b"Content-Type: application/pkcs7-mime\r\n\r\n")
    with pytest.raises(UnexpectedProcessingError):
        unwrap(plain, b"not cms at all")


def test_multipart_related_attachments_and_safe_filenames(peer: OpenSSLPeer) -> None:
    parts = (
        b"--r\r\nContent-Type: application/edi-x12\r\n"
        b'Content-Disposition: attachment; filename="../../etc/850.x12"\r\n'
        b"\r\nISA*first\r\n--r\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''drawing%20%C3%A9.pdf\r\n\r\n"
        + base64.encodebytes(b"%PDF-1.7 binary") + b"--r--\r\n"
    )  # fmt: skip
    headers, body = peer.http(
        b'Content-Type: multipart/related; boundary="r"; type="application/edi-x12"\r\n\r\n' + parts
    )
    result = unwrap(headers, body)
    assert [p.data for p in result.payloads] == [b"ISA*first", b"%PDF-1.7 binary"]
    assert [p.filename for p in result.payloads] == ["850.x12", "drawing é.pdf"]


def test_base64_encoded_multipart_signed_body(peer: OpenSSLPeer, partner: Identity) -> None:
    headers, body = peer.http(peer.sign(peer.entity(PAYLOAD), "sha256"))
    encoded = {**headers, "Content-Transfer-Encoding": "base64"}
    result = unwrap(encoded, base64.encodebytes(body), partner_certs=[partner.cert])
    assert result.payload.data == PAYLOAD
    assert result.signed


def _indefinite(der: bytes) -> bytes:
    """A ContentInfo with its outer SEQUENCE and [0] re-encoded with BER indefinite lengths."""

    def header_size(data: bytes, pos: int) -> int:
        return 2 + (data[pos + 1] & 0x7F if data[pos + 1] & 0x80 else 0)

    outer = header_size(der, 0)
    oid_end = outer + 2 + der[outer + 1]
    explicit = header_size(der, oid_end)
    inner = der[oid_end + explicit :]
    return b"\x30\x80" + der[outer:oid_end] + b"\xa0\x80" + inner + b"\x00\x00\x00\x00"


def test_ber_indefinite_length_signature(peer: OpenSSLPeer, partner: Identity) -> None:
    entity = peer.entity(PAYLOAD)
    signature = _indefinite(peer.detached_signature(entity, "sha256"))
    body = (
        b"--sig\r\n" + entity + b"\r\n--sig\r\nContent-Type: application/pkcs7-signature\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(signature) + b"--sig--\r\n"
    )
    content_type = 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"'
    result = unwrap({"Content-Type": content_type}, body, partner_certs=[partner.cert])
    assert result.payload.data == PAYLOAD
    assert result.signer == partner.cert
