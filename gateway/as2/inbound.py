"""Unwrap an inbound AS2 message: decrypt, decompress, verify, extract payloads, compute the MIC.

Input is exactly what arrived over HTTP (headers + body bytes) plus our keys, the partner's certificates,
a policy and limits. Output is an :class:`InboundMessage`, or an :class:`~gateway.as2.errors.AS2Error`
carrying the MDN disposition modifier to answer with.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from gateway.as2 import cms, enveloped, mic, signed
from gateway.as2.cms import KeyPair
from gateway.as2.errors import (
    AS2Error,
    InsufficientMessageSecurityError,
    LimitExceededError,
    UnexpectedProcessingError,
)
from gateway.as2.headers import bare_message_id, parse_as2_name
from gateway.as2.mic import DispositionOptions
from gateway.as2.mime import (
    Entity,
    Headers,
    Limits,
    decode_base64,
    decode_body,
    looks_like_base64,
    looks_like_entity,
    multipart_entities,
    parse_params,
    safe_filename,
    signed_content_variants,
)

PKCS7_MIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")
PKCS7_SIGNATURE = ("application/pkcs7-signature", "application/x-pkcs7-signature")
MULTIPART_SIGNED = "multipart/signed"
RAW_CONTENT_TYPE = "application/octet-stream"
DER_SEQUENCE = 0x30
ENCODED = ("base64", "quoted-printable")
ENVELOPED = "encrypted"
COMPRESSED = "compressed"
SIGNED = "signed"
_SMIME_TYPES = {
    "enveloped-data": "enveloped_data",
    "authenveloped-data": "authenticated_enveloped_data",
    "auth-enveloped-data": "authenticated_enveloped_data",
    "compressed-data": "compressed_data",
}
_KNOWN_KINDS = ("enveloped_data", "authenticated_enveloped_data", "compressed_data")
_ENTITY_HEADERS = ("content-type", "content-transfer-encoding", "content-disposition", "content-id")


@dataclass(frozen=True, slots=True)
class InboundPolicy:
    """What the partnership requires of an inbound message."""

    require_signature: bool = False
    require_encryption: bool = False
    allow_md5: bool = False
    verify_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Payload:
    """One business document: bytes after every layer and transfer encoding is removed."""

    data: bytes
    content_type: str
    filename: str | None
    headers: Headers


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """The outcome of a successful unwrap; ``layers`` lists the security layers from the outside in.

    For the archive (non-repudiation): ``mic_content`` is the exact entity the MIC (and, when signed, the
    signature) covers, ``signature`` the detached CMS SignedData and ``signer`` the certificate it verified.
    """

    message_id: str | None
    as2_from: str | None
    as2_to: str | None
    payloads: tuple[Payload, ...]
    layers: tuple[str, ...]
    mic: str
    mic_algorithm: str
    mic_content: bytes = field(repr=False)
    signer: x509.Certificate | None = None
    signature_algorithm: str | None = None
    signature: bytes | None = field(default=None, repr=False)
    cipher_content_type: str | None = None
    options: DispositionOptions = field(default_factory=DispositionOptions)

    @property
    def payload(self) -> Payload:
        return self.payloads[0]

    @property
    def signed(self) -> bool:
        return SIGNED in self.layers

    @property
    def encrypted(self) -> bool:
        return ENVELOPED in self.layers

    @property
    def compression(self) -> str | None:
        """``before-signing`` (signed compressed data), ``after-signing`` (compressed signed data)."""
        if COMPRESSED not in self.layers:
            return None
        if SIGNED not in self.layers:
            return "unsigned"
        signed_first = self.layers.index(SIGNED) < self.layers.index(COMPRESSED)
        return "before-signing" if signed_first else "after-signing"


@dataclass(slots=True)
class _Walk:
    keys: Sequence[KeyPair]
    partner_certs: Sequence[x509.Certificate]
    policy: InboundPolicy
    limits: Limits
    layers: list[str] = field(default_factory=list)
    mic_content: bytes | None = None
    mic_digest: tuple[str, bytes] | None = None
    verified: signed.VerifiedSignature | None = None
    cipher_kind: str | None = None
    signature: bytes | None = None


def unwrap(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | Headers,
    body: bytes,
    *,
    keys: Sequence[KeyPair] = (),
    partner_certs: Sequence[x509.Certificate] = (),
    policy: InboundPolicy | None = None,
    limits: Limits | None = None,
) -> InboundMessage:
    """Process one inbound AS2 message; raises an AS2Error subclass naming the MDN modifier on failure."""
    http = Headers.of(headers)
    limits = limits or Limits()
    _check_request_size(http, body, limits)
    options = mic.parse_options(http.get("disposition-notification-options"))
    policy = policy or InboundPolicy()
    mic_algorithm = mic.choose_algorithm(options, allow_md5=policy.allow_md5)
    walk = _Walk(keys, partner_certs, policy, limits)
    top = Entity(Headers([(n, v) for n, v in http.items() if n.lower() in _ENTITY_HEADERS]), body, 0)
    try:
        payloads = _walk(top, walk, depth=0)
    except AS2Error:
        raise
    except Exception as exc:  # the codec boundary: anything unforeseen is unexpected-processing-error
        raise UnexpectedProcessingError(f"cannot process the message: {exc!r}") from exc
    if not payloads:
        raise UnexpectedProcessingError("the message carries no payload")
    _check_policy(walk)
    content = walk.mic_content if walk.mic_content is not None else payloads[0].data
    if not options.micalgs and walk.verified is not None:
        mic_algorithm = mic.choose_algorithm(options, fallback=walk.verified.digest_algorithm)
    return InboundMessage(
        message_id=bare_message_id(http.get("message-id")),
        as2_from=parse_as2_name(http.get("as2-from")),
        as2_to=parse_as2_name(http.get("as2-to")),
        payloads=tuple(payloads),
        layers=tuple(walk.layers),
        mic=_mic(walk, content, mic_algorithm),
        mic_algorithm=mic_algorithm,
        mic_content=content,
        signer=walk.verified.signer if walk.verified else None,
        signature_algorithm=walk.verified.digest_algorithm if walk.verified else None,
        signature=walk.signature,
        cipher_content_type=walk.cipher_kind,
        options=options,
    )


def _check_request_size(http: Headers, body: bytes, limits: Limits) -> None:
    if len(body) > limits.max_body_bytes:
        raise LimitExceededError(f"body exceeds {limits.max_body_bytes} bytes", limit="max_body_bytes")
    if sum(len(n) + len(v) + 4 for n, v in http.items()) > limits.max_header_bytes:
        raise LimitExceededError(f"headers exceed {limits.max_header_bytes} bytes", limit="max_header_bytes")


def _check_policy(walk: _Walk) -> None:
    if walk.policy.require_signature and SIGNED not in walk.layers:
        raise InsufficientMessageSecurityError("the partnership requires a signed message")
    if walk.policy.require_encryption and ENVELOPED not in walk.layers:
        raise InsufficientMessageSecurityError("the partnership requires an encrypted message")


def _mic(walk: _Walk, content: bytes, algorithm: str) -> str:
    if walk.mic_digest is not None and walk.mic_digest[0] == algorithm:
        return base64.b64encode(walk.mic_digest[1]).decode("ascii")
    return mic.compute_mic(content, algorithm)


def _walk(entity: Entity, walk: _Walk, depth: int) -> list[Payload]:
    if depth > walk.limits.max_mime_depth:
        limit = walk.limits.max_mime_depth
        raise LimitExceededError(f"MIME nesting deeper than {limit}", limit="max_mime_depth")
    content_type = entity.content_type
    if content_type.value in PKCS7_MIME:
        return _open_cms(entity, walk, depth)
    if content_type.value.startswith("multipart/") and entity.transfer_encoding in ENCODED:
        entity = Entity(entity.headers, decode_body(entity), 0)
    if content_type.value == MULTIPART_SIGNED:
        return _walk(_verify(entity, walk), walk, depth + 1)
    if content_type.value.startswith("multipart/"):
        return [p for part in multipart_entities(entity, walk.limits) for p in _walk(part, walk, depth + 1)]
    return [_payload(entity)]


def _open_cms(entity: Entity, walk: _Walk, depth: int) -> list[Payload]:
    der = _cms_bytes(entity)
    smime_type = (entity.content_type.param("smime-type") or "").lower()
    found = cms.cms_content_type(der)
    kind = found if found in _KNOWN_KINDS else _SMIME_TYPES.get(smime_type) or found
    if kind in ("enveloped_data", "authenticated_enveloped_data"):
        if walk.layers:
            raise UnexpectedProcessingError("encryption must be the outermost layer")
        walk.layers.append(ENVELOPED)
        walk.cipher_kind = kind
        plain = enveloped.decrypt(der, walk.keys, kind)
        walk.mic_content = plain
        return _walk(_inner_entity(plain, walk.limits), walk, depth + 1)
    if kind == "compressed_data":
        if COMPRESSED in walk.layers:
            raise UnexpectedProcessingError("more than one compression layer")
        walk.layers.append(COMPRESSED)
        inflated = cms.decompress(der, walk.limits.max_decompressed_bytes)
        return _walk(_inner_entity(inflated, walk.limits), walk, depth + 1)
    raise UnexpectedProcessingError(f"unsupported S/MIME content {smime_type or kind!r}")


def _cms_bytes(entity: Entity) -> bytes:
    """The DER of a pkcs7-mime body: binary, or base64 with or without a Content-Transfer-Encoding."""
    data = decode_body(entity)
    if data[:1] != bytes([DER_SEQUENCE]) and looks_like_base64(data):
        return decode_base64(data)
    return data


def _inner_entity(data: bytes, limits: Limits) -> Entity:
    """The MIME entity inside a CMS layer; raw bytes without MIME headers become an octet-stream."""
    entity = looks_like_entity(data, limits)
    if entity is not None:
        return entity
    return Entity(Headers([("Content-Type", RAW_CONTENT_TYPE)]), data, 0)


def _verify(entity: Entity, walk: _Walk) -> Entity:
    if SIGNED in walk.layers:
        raise UnexpectedProcessingError("more than one signature layer")
    parts = multipart_entities(entity, walk.limits)
    if len(parts) != 2 or parts[1].content_type.value not in PKCS7_SIGNATURE:
        raise UnexpectedProcessingError("multipart/signed must hold content and one pkcs7-signature part")
    walk.layers.append(SIGNED)
    walk.signature = _cms_bytes(parts[1])
    verified = signed.verify_detached(
        walk.signature,
        signed_content_variants(parts[0]),
        walk.partner_certs,
        verify_at=walk.policy.verify_at,
        allow_md5=walk.policy.allow_md5,
    )
    walk.verified = verified
    walk.mic_content = verified.content
    walk.mic_digest = (verified.digest_algorithm, verified.content_digest)
    return parts[0]


def _payload(entity: Entity) -> Payload:
    content_type = entity.headers.get("content-type") or RAW_CONTENT_TYPE
    disposition = parse_params(entity.headers.get("content-disposition") or "")
    name = disposition.param("filename") or parse_params(content_type).param("name")
    return Payload(decode_body(entity), content_type, safe_filename(name), entity.headers)
