"""Receiving an AS2 message (DESIGN.md §3, T1): identify the partnership, unwrap, accept the payloads,
build and archive the MDN, all in one transaction, so the MDN is only ever sent for what is committed.

Every request's exact body and headers are archived, also when it is refused, so nothing received is
lost. A repeated Message-ID gets the MDN stored for the first receipt, byte for byte (RFC 4130 §5.5);
a failed message creates no exchange, so its resend is processed afresh.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob, put_blob
from gateway.archive.chain import Item, append, append_many
from gateway.as2.cms import KeyPair
from gateway.as2.errors import AS2Error, UnknownTradingPartnerError
from gateway.as2.headers import new_message_id
from gateway.as2.inbound import InboundMessage, InboundPolicy, unwrap
from gateway.as2.mdn import Mdn, MdnRequest, build_mdn, disposition_text
from gateway.as2.mime import Entity, Headers, Limits, multipart_entities
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import Database
from gateway.inbound.service import Received, accept
from gateway.keys import master_key
from gateway.models.base import utcnow
from gateway.models.certificate import Station
from gateway.models.exchange import Direction, Exchange
from gateway.models.partner import Partner
from gateway.onboarding.service import find_by_as2_id, profile_of
from gateway.outbox import enqueue
from partners.as2_settings import As2Settings

MDN_CONTENT_TYPES = ("multipart/report", "message/disposition-notification")


@dataclass(frozen=True)
class Reply:
    """The HTTP answer: a sync MDN, or an empty 200 (async or no MDN requested)."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


@dataclass(frozen=True)
class Partnership:
    partner: Partner
    station: Station
    as2: As2Settings | None
    keys: tuple[KeyPair, ...]
    signer: KeyPair | None
    partner_certs: tuple[x509.Certificate, ...]


def _media_type(headers: Headers) -> str:
    return (headers.get("content-type") or "").split(";", 1)[0].strip().lower()


def is_mdn(http: Headers, body: bytes = b"") -> bool:
    """An MDN (a disposition report), posted asynchronously: bare, or signed (multipart/signed whose first
    part is the report)."""
    media_type = _media_type(http)
    if media_type in MDN_CONTENT_TYPES:
        return True
    if media_type != "multipart/signed" or not body:
        return False
    top = Entity(Headers([(n, v) for n, v in http.items() if n.lower().startswith("content-")]), body, 0)
    try:
        parts = multipart_entities(top, Limits())
    except AS2Error:
        return False
    return bool(parts) and _media_type(parts[0].headers) in MDN_CONTENT_TYPES


def _partnership(session: Session, settings: Settings, request: MdnRequest, now: datetime) -> Partnership:
    partner = find_by_as2_id(session, request.partner or "")
    station = certs.find_station_by_as2_id(session, request.us or "")
    if partner is None or station is None or not partner.enabled:
        raise UnknownTradingPartnerError(
            f"no partnership from AS2-From {request.partner!r} to AS2-To {request.us!r}"
        )
    keys_master = [master_key(settings)]
    keys = tuple(
        KeyPair(k.private_key, k.certificate) for k in certs.station_keys(session, station.id, keys_master)
    )
    signing = certs.signing_key(session, station.id, keys_master, now)
    return Partnership(
        partner=partner,
        station=station,
        as2=profile_of(partner).transports.as2,
        keys=keys,
        signer=KeyPair(signing.private_key, signing.certificate) if signing else None,
        partner_certs=tuple(certs.partner_verification_certs(session, partner.id, now)),
    )


def _policy(as2: As2Settings | None, now: datetime) -> InboundPolicy:
    """The partner's inbound requirements; a partner without AS2 settings must sign and encrypt."""
    if as2 is None:
        return InboundPolicy(require_signature=True, require_encryption=True, verify_at=now)
    return InboundPolicy(
        require_signature=as2.require_signed_inbound,
        require_encryption=as2.require_encrypted_inbound,
        allow_md5=as2.legacy_md5,
        verify_at=now,
    )


def _wire_meta(http: Headers) -> dict[str, Any]:
    return {"headers": [[name, value] for name, value in http.items()]}


def _mdn(
    settings: Settings,
    request: MdnRequest,
    now: datetime,
    *,
    error: AS2Error | None = None,
    message: InboundMessage | None = None,
    signer: KeyPair | None = None,
) -> Mdn:
    return build_mdn(
        request,
        disposition=disposition_text(error),
        message_id=new_message_id(settings.as2_mdn_domain),
        now=now,
        received_mic=(message.mic, message.mic_algorithm) if message else None,
        sign_with=signer,
    )


def _mdn_item(mdn: Mdn, exchange_id: int | None) -> Item:
    meta = {
        "headers": [list(h) for h in mdn.headers],
        "disposition": mdn.disposition,
        "message_id": mdn.message_id,
    }
    return Item("as2-mdn-out", mdn.body, meta, "exchange" if exchange_id else None, exchange_id)


def _archive_mdn(session: Session, settings: Settings, mdn: Mdn, exchange_id: int | None) -> str:
    return append_many(session, settings.resolved_archive_dir, [_mdn_item(mdn, exchange_id)])[
        0
    ].content_sha256


def _reply(mdn: Mdn | None, request: MdnRequest) -> Reply:
    if mdn is None or request.is_async:
        return Reply(200)
    return Reply(200, mdn.headers, mdn.body)


def _queue_async(
    session: Session, settings: Settings, request: MdnRequest, mdn: Mdn, sha: str, partner_id: int | None
) -> None:
    """Deliver the MDN from a task (only ever to a URL on the partner's allow-list, checked there)."""
    if not request.is_async or partner_id is None:
        return
    args = {
        "partner_id": partner_id,
        "url": request.receipt_url,
        "mdn_sha256": sha,
        "headers": [list(h) for h in mdn.headers],
    }
    enqueue(
        session,
        settings,
        "as2.send_mdn",
        subject_type="partner",
        subject_id=partner_id,
        args=args,
        dedup_key=f"as2.send_mdn:{mdn.message_id}",
    )


def _refuse(
    session: Session,
    settings: Settings,
    http: Headers,
    body: bytes,
    request: MdnRequest,
    error: AS2Error,
    signer: KeyPair | None,
    now: datetime,
    partner_id: int | None = None,
) -> tuple[Mdn | None, Reply]:
    append(
        session,
        settings.resolved_archive_dir,
        "as2-refused",
        body,
        meta=_wire_meta(http) | {"disposition": error.disposition, "reason": str(error)},
    )
    if not request.wants_mdn:
        return None, Reply(400, (("Content-Type", "text/plain"),), f"{error.disposition}: {error}".encode())
    mdn = _mdn(settings, request, now, error=error, signer=signer)
    _queue_async(session, settings, request, mdn, _archive_mdn(session, settings, mdn, None), partner_id)
    return mdn, _reply(mdn, request)


def _stored_reply(
    settings: Settings, exchange: Exchange, request: MdnRequest, *, counted: bool = False
) -> Reply:
    if not counted:
        exchange.duplicate_count += 1
    stored = exchange.meta.get("mdn")
    if not stored:
        return Reply(200)
    body = get_blob(settings.resolved_archive_dir, stored["sha256"])
    headers = tuple((name, value) for name, value in stored["headers"])
    return Reply(200) if request.is_async else Reply(200, headers, body)


def _earlier(session: Session, partner_id: int, message_id: str | None) -> Exchange | None:
    if not message_id:
        return None
    return session.scalar(
        select(Exchange).where(
            Exchange.partner_id == partner_id,
            Exchange.direction == Direction.INBOUND,
            Exchange.transport == "as2",
            Exchange.message_id == message_id,
        )
    )


def _evidence(message: InboundMessage) -> dict[str, Any]:
    signer = message.signer
    return {
        "as2_message_id": message.message_id,
        "layers": list(message.layers),
        "mic": message.mic,
        "mic_algorithm": message.mic_algorithm,
        "signature_algorithm": message.signature_algorithm,
        "signer_sha256": signer.fingerprint(hashes.SHA256()).hex() if signer else None,
        "signer_subject": signer.subject.rfc4514_string() if signer else None,
    }


def _accept_payloads(
    session: Session, settings: Settings, p: Partnership, message: InboundMessage
) -> list[int]:
    ids = []
    for index, payload in enumerate(message.payloads):
        message_id = message.message_id or ""
        result = accept(
            session,
            settings,
            Received(
                partner_id=p.partner.id,
                transport="as2",
                content=payload.data,
                filename=payload.filename,
                message_id=message_id if index == 0 else f"{message_id}#{index}",
                content_type=payload.content_type,
                meta=_evidence(message),
            ),
        )
        ids.append(result.exchange_id)
    return ids


def _evidence_items(http: Headers, body: bytes, message: InboundMessage, exchange_id: int) -> list[Item]:
    """The wire bytes with their headers and, when signed, the signed entity with its signature and
    signer certificate: what an auditor needs to re-verify the message offline."""
    items = [Item("as2-wire-in", body, _wire_meta(http), "exchange", exchange_id)]
    if message.signed and message.signature is not None:
        signer_pem = message.signer.public_bytes(Encoding.PEM).decode() if message.signer else None
        meta = {
            "signature_der_base64": base64.b64encode(message.signature).decode(),
            "signer_pem": signer_pem,
        }
        items.append(
            Item("as2-signed-entity", message.mic_content, meta | _evidence(message), "exchange", exchange_id)
        )
    return items


def _prewrite(settings: Settings, *contents: bytes) -> None:
    """Write the content-addressed blobs (fsynced) before the write transaction, so the database lock
    is held only for the row inserts; ``append`` later finds them in place."""
    for content in contents:
        put_blob(settings.resolved_archive_dir, content)


def _lookup(
    db: Database, settings: Settings, request: MdnRequest, now: datetime
) -> tuple[Partnership | None, AS2Error | None, int | None]:
    with db.sessions() as session:
        try:
            partnership = _partnership(session, settings, request, now)
        except UnknownTradingPartnerError as error:
            return None, error, None
        earlier = _earlier(session, partnership.partner.id, request.original_message_id)
        return partnership, None, earlier.id if earlier else None


def _unwrap(settings: Settings, http: Headers, body: bytes, p: Partnership, now: datetime) -> InboundMessage:
    limits = Limits(
        max_body_bytes=settings.as2_max_body_bytes, max_decompressed_bytes=settings.as2_max_decompressed_bytes
    )
    return unwrap(
        http, body, keys=p.keys, partner_certs=p.partner_certs, policy=_policy(p.as2, now), limits=limits
    )


def _record(
    session: Session,
    settings: Settings,
    http: Headers,
    body: bytes,
    request: MdnRequest,
    p: Partnership,
    message: InboundMessage,
    mdn: Mdn | None,
) -> Reply | None:
    """Phase B: the rows. Returns the stored reply instead when a concurrent copy won the race."""
    exchange_ids = _accept_payloads(session, settings, p, message)
    first = session.get(Exchange, exchange_ids[0])
    assert first is not None
    if first.duplicate_count and first.meta.get("mdn"):
        return _stored_reply(settings, first, request, counted=True)
    items = _evidence_items(http, body, message, exchange_ids[0])
    if mdn is not None:
        items.append(_mdn_item(mdn, exchange_ids[0]))
    records = append_many(session, settings.resolved_archive_dir, items)
    if mdn is None:
        return None
    sha = records[-1].content_sha256
    _queue_async(session, settings, request, mdn, sha, p.partner.id)
    stored = {
        "sha256": sha,
        "headers": [list(h) for h in mdn.headers],
        "message_id": mdn.message_id,
        "disposition": mdn.disposition,
    }
    for exchange_id in exchange_ids:
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
        exchange.meta = exchange.meta | {"mdn": stored, "mdn_async_url": request.receipt_url}
    return None


def receive(
    db: Database,
    settings: Settings,
    headers: list[tuple[str, str]],
    body: bytes,
    now: datetime | None = None,
) -> tuple[Mdn | None, Reply]:
    """Process one POST to /as2; returns the MDN (delivered from a task when async) and the HTTP reply.

    Lookups, decryption, verification, MDN signing and blob writes run with no write lock; one short
    transaction then records the exchange, the archive records and the MDN (DESIGN.md §3, T1).
    """
    now = now or utcnow()
    http = Headers.of(headers)
    request = MdnRequest.from_headers(http)
    partnership, unknown, earlier_id = _lookup(db, settings, request, now)
    if partnership is None:
        assert unknown is not None
        with db.transaction() as session:
            return _refuse(session, settings, http, body, request, unknown, None, now)
    if earlier_id is not None:
        with db.transaction() as session:
            earlier = session.get(Exchange, earlier_id)
            assert earlier is not None
            return None, _stored_reply(settings, earlier, request)
    try:
        message = _unwrap(settings, http, body, partnership, now)
    except AS2Error as error:
        with db.transaction() as session:
            return _refuse(
                session, settings, http, body, request, error, partnership.signer, now, partnership.partner.id
            )
    mdn = (
        _mdn(settings, request, now, message=message, signer=partnership.signer)
        if request.wants_mdn
        else None
    )
    _prewrite(
        settings, body, message.mic_content, *(p.data for p in message.payloads), *([mdn.body] if mdn else [])
    )
    with db.transaction() as session:
        stored = _record(session, settings, http, body, request, partnership, message, mdn)
    if stored is not None:
        return None, stored
    return mdn, _reply(mdn, request)
