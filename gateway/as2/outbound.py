"""Build an outbound AS2 message: MIME entity, optional compression, signature and encryption, headers.

Returns the exact wire headers and body plus the MIC the partner's MDN must return. Per-partner quirks
(micalg spelling, transfer encoding, content type) are options here; nothing else varies.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from cryptography import x509

from gateway.as2 import cms, enveloped, mic, signed
from gateway.as2.cms import KeyPair
from gateway.as2.enveloped import ContentCipher, KeyTransport
from gateway.as2.headers import AS2_VERSION, angle_message_id, format_as2_name, http_date
from gateway.as2.mime import CRLF, encode_base64_lines, quote_param, render_headers

Compression = Literal["none", "before-signing", "after-signing"]
TransferEncoding = Literal["binary", "base64"]
MdnMode = Literal["none", "sync", "async"]
SIGNATURE_TYPE = "application/pkcs7-signature"
ENVELOPED_TYPE = "application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m"
AUTH_ENVELOPED_TYPE = "application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m"
COMPRESSED_TYPE = "application/pkcs7-mime; smime-type=compressed-data; name=smime.p7z"
RELATED_TYPE = "multipart/related"
EDIINT_FEATURES = "multiple-attachments"
RECEIPT_PROTOCOL = "signed-receipt-protocol=optional, pkcs7-signature"


@dataclass(frozen=True, slots=True)
class OutboundPayload:
    data: bytes
    content_type: str = "application/edi-x12"
    filename: str | None = None


@dataclass(frozen=True, slots=True)
class SendOptions:
    """One partnership's outbound AS2 settings, including its quirk switches."""

    as2_from: str
    as2_to: str
    sign_with: KeyPair | None = None
    digest_algorithm: str = "sha256"
    pss: bool = False
    encrypt_to: Sequence[x509.Certificate] = ()
    cipher: ContentCipher = "aes256_cbc"
    key_transport: KeyTransport = "rsaes_pkcs1v15"
    compression: Compression = "none"
    mdn: MdnMode = "sync"
    mdn_to: str = "as2@localhost"
    signed_receipt: bool = True
    receipt_micalgs: tuple[str, ...] = ("sha256",)
    receipt_url: str | None = None
    micalg_spelling: mic.MicalgSpelling = "rfc5751"
    transfer_encoding: TransferEncoding = "binary"
    subject: str = "AS2 message"
    extra_headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """Exact wire form of a message; resend ``headers`` + ``body`` byte-identically (RFC 4130 §5.5)."""

    message_id: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    mic: str | None
    mic_algorithm: str | None
    mic_content: bytes = field(repr=False)

    @property
    def header_bytes(self) -> bytes:
        return render_headers(self.headers)


@dataclass(slots=True)
class _Part:
    headers: list[tuple[str, str]]
    body: bytes

    def entity(self) -> bytes:
        return render_headers(self.headers) + CRLF + self.body


def new_boundary() -> str:
    return f"----=_Part_{secrets.token_hex(12)}"


def build_message(
    payloads: OutboundPayload | Sequence[OutboundPayload],
    options: SendOptions,
    *,
    message_id: str,
    now: datetime,
    boundary: str | None = None,
) -> OutboundMessage:
    """Build one AS2 message; ``now`` dates it and the signature, ``boundary`` is random if omitted."""
    items = [payloads] if isinstance(payloads, OutboundPayload) else list(payloads)
    part = _content_part(items, options, boundary)
    mic_content: bytes | None = None
    known: tuple[str, bytes] | None = None
    if options.compression == "before-signing":
        part = _compressed(part, options)
    if options.sign_with is not None:
        mic_content = part.entity()
        known = (options.digest_algorithm, mic.digest(mic_content, options.digest_algorithm))
        part = _signed(mic_content, known[1], options, now, boundary or new_boundary())
    if options.compression == "after-signing":
        part = _compressed(part, options)
    if options.encrypt_to:
        entity = part.entity()
        mic_content = entity if mic_content is None else mic_content
        part = _encrypted(entity, options)
    content = mic_content or items[0].data
    return _finish(part, options, message_id=message_id, now=now, mic_content=content, known=known)


def _content_part(items: list[OutboundPayload], options: SendOptions, boundary: str | None) -> _Part:
    if len(items) == 1:
        return _payload_part(items[0], options)
    related = boundary or new_boundary()
    delimiter = b"--" + related.encode()
    bodies = [delimiter + CRLF + _payload_part(item, options).entity() + CRLF for item in items]
    body = b"".join(bodies) + delimiter + b"--" + CRLF
    content_type = f'{RELATED_TYPE}; boundary="{related}"; type={quote_param(items[0].content_type)}'
    return _Part([("Content-Type", content_type)], body)


def _payload_part(item: OutboundPayload, options: SendOptions) -> _Part:
    headers = [("Content-Type", item.content_type)]
    body = item.data
    if options.transfer_encoding == "base64":
        headers.append(("Content-Transfer-Encoding", "base64"))
        body = encode_base64_lines(body)
    else:
        headers.append(("Content-Transfer-Encoding", "binary"))
    if item.filename:
        headers.append(("Content-Disposition", f"attachment; filename={quote_param(item.filename)}"))
    return _Part(headers, body)


def _cms_part(content_type: str, der: bytes, options: SendOptions) -> _Part:
    if options.transfer_encoding == "base64":
        encoded = encode_base64_lines(der)
        return _Part([("Content-Type", content_type), ("Content-Transfer-Encoding", "base64")], encoded)
    return _Part([("Content-Type", content_type), ("Content-Transfer-Encoding", "binary")], der)


def _compressed(part: _Part, options: SendOptions) -> _Part:
    return _cms_part(COMPRESSED_TYPE, cms.compress(part.entity()), options)


def _signed(content: bytes, digest: bytes, options: SendOptions, now: datetime, boundary: str) -> _Part:
    key, algorithm = options.sign_with, options.digest_algorithm
    assert key is not None
    signature = signed.sign(
        content, key, digest_algorithm=algorithm, pss=options.pss, signing_time=now, content_digest=digest
    )
    delimiter = b"--" + boundary.encode()
    signature_part = _Part(
        [
            ("Content-Type", f"{SIGNATURE_TYPE}; name=smime.p7s"),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", "attachment; filename=smime.p7s"),
        ],
        encode_base64_lines(signature),
    )
    body = b"".join(
        (delimiter, CRLF, content, CRLF, delimiter, CRLF, signature_part.entity(), delimiter, b"--", CRLF)
    )
    micalg = mic.spell(algorithm, options.micalg_spelling)
    content_type = f'multipart/signed; protocol="{SIGNATURE_TYPE}"; micalg={micalg}; boundary="{boundary}"'
    return _Part([("Content-Type", content_type)], body)


def _encrypted(entity: bytes, options: SendOptions) -> _Part:
    der = enveloped.encrypt(
        entity, options.encrypt_to, cipher=options.cipher, key_transport=options.key_transport
    )
    content_type = AUTH_ENVELOPED_TYPE if enveloped.is_gcm(options.cipher) else ENVELOPED_TYPE
    return _cms_part(content_type, der, options)


def _finish(
    part: _Part,
    options: SendOptions,
    *,
    message_id: str,
    now: datetime,
    mic_content: bytes,
    known: tuple[str, bytes] | None,
) -> OutboundMessage:
    content = mic_content
    algorithm = _receipt_algorithm(options)
    wanted = options.mdn != "none"
    if wanted and known is not None and known[0] == algorithm:
        received_mic: str | None = base64.b64encode(known[1]).decode("ascii")
    else:
        received_mic = mic.compute_mic(content, algorithm) if wanted else None
    headers = [
        ("AS2-Version", AS2_VERSION),
        ("AS2-From", format_as2_name(options.as2_from)),
        ("AS2-To", format_as2_name(options.as2_to)),
        ("Message-ID", angle_message_id(message_id)),
        ("Date", http_date(now)),
        ("Subject", options.subject),
        ("MIME-Version", "1.0"),
        ("EDIINT-Features", EDIINT_FEATURES),
        *part.headers,
        *_mdn_headers(options),
        *options.extra_headers,
    ]
    render_headers(headers)
    return OutboundMessage(
        message_id=angle_message_id(message_id),
        headers=tuple(headers),
        body=part.body,
        mic=received_mic,
        mic_algorithm=algorithm if wanted else None,
        mic_content=content,
    )


def _receipt_algorithm(options: SendOptions) -> str:
    for name in options.receipt_micalgs:
        if (found := mic.normalise(name)) in mic.SUPPORTED:
            return found
    return mic.DEFAULT_MIC_ALGORITHM


def _mdn_headers(options: SendOptions) -> list[tuple[str, str]]:
    if options.mdn == "none":
        return []
    headers = [("Disposition-Notification-To", options.mdn_to)]
    if options.signed_receipt:
        spelled = [mic.spell(name, options.micalg_spelling) for name in _normalised(options.receipt_micalgs)]
        value = f"{RECEIPT_PROTOCOL}; signed-receipt-micalg=optional, {', '.join(spelled)}"
        headers.append(("Disposition-Notification-Options", value))
    if options.mdn == "async":
        if not options.receipt_url:
            raise ValueError("an asynchronous MDN needs a receipt URL")
        headers.append(("Receipt-Delivery-Option", options.receipt_url))
    return headers


def _normalised(names: tuple[str, ...]) -> list[str]:
    return [found for name in names if (found := mic.normalise(name)) in mic.SUPPORTED] or ["sha256"]
