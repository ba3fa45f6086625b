"""Sending one outbound exchange over AS2 (DESIGN.md §3, §5).

The first attempt builds the message per the partner's profile (signed with our station's newest active
key, encrypted to the partner's newest active certificate, compressed and MDN options as agreed),
archives the exact wire headers and body (kind ``as2-outbound``) and remembers them in the exchange's
meta. Every later attempt, and an operator resend, posts those archived bytes again with the same
Message-ID (RFC 4130 §5.5). Building and archiving happen in a transaction; posting happens outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.archive.chain import append
from gateway.as2.cms import KeyPair
from gateway.as2.enveloped import ContentCipher, KeyTransport
from gateway.as2.headers import bare_message_id, new_message_id
from gateway.as2.http_client import TRANSFER_TIMEOUT_SECONDS, Endpoint, Reply, post
from gateway.as2.mic import MicalgSpelling
from gateway.as2.outbound import OutboundPayload, SendOptions, build_message
from gateway.config import Settings
from gateway.keys import master_key
from gateway.models.exchange import AS2_MESSAGE_ID_KEY, Exchange
from gateway.models.partner import Partner
from gateway.onboarding.service import profile_of
from gateway.outbound import repository
from gateway.outbound.repository import SendSetupError
from gateway.sftp.credentials import load_secret
from gateway.sftp.errors import ClientKeyMissingError
from partners.as2_settings import As2Settings, SignaturePadding
from partners.as2_settings import MicalgSpelling as PartnerSpelling

TRANSPORT = "as2"
WIRE_KIND = "as2-outbound"
META_KEY = "as2"
MESSAGE_ID_KEY = AS2_MESSAGE_ID_KEY
"""Exchange meta key of the Message-ID without angle brackets, as inbound exchanges keep theirs."""
CIPHERS: dict[str, ContentCipher] = {
    "3des": "tripledes_3key",
    "aes128-cbc": "aes128_cbc",
    "aes192-cbc": "aes192_cbc",
    "aes256-cbc": "aes256_cbc",
    "aes128-gcm": "aes128_gcm",
    "aes256-gcm": "aes256_gcm",
}
KEY_TRANSPORTS: dict[str, KeyTransport] = {
    "rsa-pkcs1v15": "rsaes_pkcs1v15",
    "rsa-oaep-sha1": "rsaes_oaep_sha1",
    "rsa-oaep-sha256": "rsaes_oaep_sha256",
}
SPELLINGS: dict[PartnerSpelling, MicalgSpelling] = {
    PartnerSpelling.RFC5751: "rfc5751",
    PartnerSpelling.RFC3851: "compact",
}
CONTENT_TYPES = {"x12": "application/edi-x12", "edifact": "application/edifact"}
DEFAULT_CONTENT_TYPE = "application/octet-stream"
RECEIPT_PATH = "/as2"
JOB_TIME_SHARE = 0.8
"""Share of a job's time limit one POST may wait for its reply (the rest is left for recording it)."""


def as2_settings(partner: Partner) -> As2Settings:
    as2 = profile_of(partner).transports.as2
    if as2 is None:
        raise SendSetupError(f"partner {partner.code} has no AS2 settings")
    return as2


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode()


def _content_type(as2: As2Settings, exchange: Exchange) -> str:
    syntax_type = CONTENT_TYPES.get(exchange.syntax or "", DEFAULT_CONTENT_TYPE)
    return as2.quirks.content_type or exchange.content_type or syntax_type


def send_options(
    as2: As2Settings,
    *,
    as2_from: str,
    as2_to: str,
    signer: KeyPair | None,
    encrypt_to: x509.Certificate | None,
    receipt_url: str | None,
    mdn_to: str,
) -> SendOptions:
    """The codec options for one partnership, from the partner's AS2 settings."""
    return SendOptions(
        as2_from=as2_from,
        as2_to=as2_to,
        sign_with=signer,
        digest_algorithm=as2.signature_algorithm.value,
        pss=as2.signature_padding is SignaturePadding.PSS,
        encrypt_to=(encrypt_to,) if encrypt_to is not None else (),
        cipher=CIPHERS[as2.encryption_algorithm.value],
        key_transport=KEY_TRANSPORTS[as2.key_transport.value],
        compression=as2.compression.value,
        mdn=as2.mdn_mode.value,
        mdn_to=mdn_to,
        signed_receipt=as2.mdn_signed,
        receipt_micalgs=(as2.signature_algorithm.value,),
        receipt_url=receipt_url,
        micalg_spelling=SPELLINGS[as2.quirks.micalg_spelling],
        transfer_encoding=as2.quirks.content_transfer_encoding.value,
    )


def _receipt_url(settings: Settings, as2: As2Settings) -> str | None:
    if as2.mdn_mode.value != "async":
        return None
    if not settings.as2_public_url:
        raise SendSetupError("asynchronous MDNs need EDIGW_AS2_PUBLIC_URL (our URL partners post MDNs to)")
    return settings.as2_public_url.rstrip("/") + RECEIPT_PATH


@dataclass(frozen=True)
class Built:
    """A message built for an exchange but not yet archived (building needs no write lock)."""

    body: bytes = field(repr=False)
    meta: dict[str, Any]


def build(session: Session, settings: Settings, exchange: Exchange, partner: Partner, now: datetime) -> Built:
    """Build the message for ``exchange`` per the partner's profile; only reads."""
    as2 = as2_settings(partner)
    profile = profile_of(partner)
    station = repository.station_for(session, exchange)
    if not station.as2_id or not profile.identities.as2_id:
        raise SendSetupError(f"station {station.code} and partner {partner.code} both need an AS2 ID")
    signer = repository.signing_pair(session, station, [master_key(settings)], now) if as2.sign else None
    encrypt_to = repository.encryption_cert(session, partner.id, now) if as2.encrypt else None
    options = send_options(
        as2,
        as2_from=station.as2_id,
        as2_to=profile.identities.as2_id,
        signer=signer,
        encrypt_to=encrypt_to,
        receipt_url=_receipt_url(settings, as2),
        mdn_to=f"as2@{settings.as2_mdn_domain}",
    )
    payload = get_blob(session, settings.resolved_archive_dir, exchange.content_sha256)
    item = OutboundPayload(payload, _content_type(as2, exchange), exchange.filename)
    message = build_message(item, options, message_id=new_message_id(settings.as2_mdn_domain), now=now)
    meta = {
        "message_id": message.message_id,
        "headers": [list(h) for h in message.headers],
        "mic": message.mic,
        "mic_algorithm": message.mic_algorithm,
        "mdn_mode": as2.mdn_mode.value,
        "mdn_signed": as2.mdn_signed,
        "station_id": station.id,
        "signer_sha256": _fingerprint(signer.certificate) if signer else None,
        "signer_pem": _pem(signer.certificate) if signer else None,
        "encrypted_to_sha256": _fingerprint(encrypt_to) if encrypt_to else None,
        "encrypted_to_pem": _pem(encrypt_to) if encrypt_to else None,
        "built_at": now.isoformat(),
    }
    return Built(message.body, meta)


def store(session: Session, settings: Settings, exchange: Exchange, built: Built) -> None:
    """Archive the wire form (``as2-outbound``) and record it in the exchange's meta; from now on every
    attempt sends exactly these bytes."""
    record = append(
        session,
        settings.resolved_archive_dir,
        WIRE_KIND,
        built.body,
        meta=built.meta,
        subject_type="exchange",
        subject_id=exchange.id,
    )
    wire = built.meta | {"body_sha256": record.content_sha256}
    exchange.transport = TRANSPORT
    exchange.meta = exchange.meta | {
        MESSAGE_ID_KEY: bare_message_id(wire["message_id"]),
        "mic": wire["mic"],
        "mic_algorithm": wire["mic_algorithm"],
        META_KEY: wire,
    }


@dataclass(frozen=True)
class Wire:
    """An archived outbound message, exactly as it goes on the wire."""

    message_id: str
    headers: tuple[tuple[str, str], ...]
    body: bytes = field(repr=False)
    mic: str | None
    mic_algorithm: str | None
    mdn_mode: str
    mdn_signed: bool

    @classmethod
    def of(cls, session: Session, settings: Settings, meta: dict[str, Any]) -> Wire:
        return cls(
            message_id=meta["message_id"],
            headers=tuple((str(name), str(value)) for name, value in meta["headers"]),
            body=get_blob(session, settings.resolved_archive_dir, meta["body_sha256"]),
            mic=meta["mic"],
            mic_algorithm=meta["mic_algorithm"],
            mdn_mode=meta["mdn_mode"],
            mdn_signed=bool(meta["mdn_signed"]),
        )


def wire_meta(exchange: Exchange) -> dict[str, Any] | None:
    meta = exchange.meta.get(META_KEY)
    return meta if isinstance(meta, dict) and "body_sha256" in meta else None


@dataclass(frozen=True)
class Attempt:
    """Everything one POST needs, read before any connection is opened."""

    exchange_id: int
    endpoint: Endpoint
    wire: Wire
    partner_certs: tuple[x509.Certificate, ...] = field(repr=False)


def _basic_auth(settings: Settings, as2: As2Settings) -> tuple[str, str] | None:
    """The partner's basic auth user and the password sealed under ``basic_auth_secret_ref``."""
    if as2.basic_auth_user is None or as2.basic_auth_secret_ref is None:
        return None
    try:
        secret = load_secret(settings, as2.basic_auth_secret_ref)
    except ClientKeyMissingError as exc:
        raise SendSetupError(
            f"no secret is stored under {as2.basic_auth_secret_ref!r} for AS2 basic auth; "
            f"store it with `edigw sftp password {as2.basic_auth_secret_ref}`"
        ) from exc
    return as2.basic_auth_user, secret.decode("utf-8")


def endpoint_for(session: Session, settings: Settings, as2: As2Settings) -> Endpoint:
    client_key = (
        repository.client_certificate(session, as2.tls_client_cert_ref, [master_key(settings)])
        if as2.tls_client_cert_ref
        else None
    )
    return Endpoint(
        as2.url,
        allow_private_network=as2.allow_private_network,
        basic_auth=_basic_auth(settings, as2),
        client_key=client_key,
        timeout_seconds=min(TRANSFER_TIMEOUT_SECONDS, settings.outbox_stale_after_seconds * JOB_TIME_SHARE),
    )


def attempt(
    session: Session, settings: Settings, exchange: Exchange, partner: Partner, now: datetime
) -> Attempt:
    meta = wire_meta(exchange)
    assert meta is not None, "prepare() first"
    return Attempt(
        exchange_id=exchange.id,
        endpoint=endpoint_for(session, settings, as2_settings(partner)),
        wire=Wire.of(session, settings, meta),
        partner_certs=tuple(repository.verification_certs(session, partner.id, now)),
    )


def send(attempt: Attempt) -> Reply:
    """POST the archived bytes; no transaction is open while this runs."""
    return post(attempt.endpoint, attempt.wire.headers, attempt.wire.body)
