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
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from gateway.archive.blobs import Prepared, get_blob, prepare
from gateway.archive.chain import Item, append_many
from gateway.as2 import partnerships
from gateway.as2.cms import KeyPair
from gateway.as2.errors import AS2Error, UnknownTradingPartnerError
from gateway.as2.headers import new_message_id
from gateway.as2.inbound import InboundMessage, InboundPolicy, unwrap
from gateway.as2.mdn import Mdn, MdnRequest, build_mdn, disposition_text
from gateway.as2.mime import Entity, Headers, Limits, multipart_entities
from gateway.as2.partnerships import Partnership
from gateway.config import Settings
from gateway.db import Database
from gateway.inbound.service import AcceptResult, Received, archive_item, record
from gateway.keys import master_key
from gateway.models.base import utcnow
from gateway.models.exchange import Exchange
from gateway.outbox import enqueue_row
from partners.as2_settings import As2Settings

MDN_CONTENT_TYPES = ("multipart/report", "message/disposition-notification")
_EXCHANGE = cast(Table, Exchange.__table__)


@dataclass(frozen=True)
class Reply:
    """The HTTP answer: a sync MDN, or an empty 200 (async or no MDN requested)."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""


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


@dataclass(frozen=True)
class _Post:
    """One POST to /as2 as received, with what every step needs."""

    settings: Settings
    root: Path
    http: Headers
    body: bytes
    request: MdnRequest
    now: datetime


def _mdn(
    post: _Post,
    *,
    error: AS2Error | None = None,
    message: InboundMessage | None = None,
    signer: KeyPair | None = None,
) -> Mdn:
    return build_mdn(
        post.request,
        disposition=disposition_text(error),
        message_id=new_message_id(post.settings.as2_mdn_domain),
        now=post.now,
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


def _reply(mdn: Mdn | None, request: MdnRequest) -> Reply:
    if mdn is None or request.is_async:
        return Reply(200)
    return Reply(200, mdn.headers, mdn.body)


def _queue_async(session: Session, post: _Post, mdn: Mdn, sha: str, partner_id: int | None) -> None:
    """Deliver the MDN from a task (only ever to a URL on the partner's allow-list, checked there)."""
    if not post.request.is_async or partner_id is None:
        return
    args = {
        "partner_id": partner_id,
        "url": post.request.receipt_url,
        "mdn_sha256": sha,
        "headers": [list(h) for h in mdn.headers],
    }
    enqueue_row(
        session,
        post.settings,
        "as2.send_mdn",
        subject_type="partner",
        subject_id=partner_id,
        args=args,
        dedup_key=f"as2.send_mdn:{mdn.message_id}",
    )


def _refuse(
    db: Database, post: _Post, error: AS2Error, signer: KeyPair | None, partner_id: int | None = None
) -> tuple[Mdn | None, Reply]:
    meta = _wire_meta(post.http) | {"disposition": error.disposition, "reason": str(error)}
    items = [Item("as2-refused", post.body, meta)]
    mdn = _mdn(post, error=error, signer=signer) if post.request.wants_mdn else None
    if mdn is not None:
        items.append(_mdn_item(mdn, None))
    prepared = prepare(post.root, [item.content for item in items])
    with db.transaction() as session:
        append_many(session, post.root, items, prepared=prepared)
        if mdn is not None:
            _queue_async(session, post, mdn, prepared.digest_of(mdn.body), partner_id)
    if mdn is None:
        return None, Reply(400, (("Content-Type", "text/plain"),), f"{error.disposition}: {error}".encode())
    return mdn, _reply(mdn, post.request)


def _stored_reply(session: Session, post: _Post, meta: dict[str, Any]) -> Reply:
    stored = meta.get("mdn")
    if not stored:
        return Reply(200)
    body = get_blob(session, post.root, stored["sha256"])
    headers = tuple((name, value) for name, value in stored["headers"])
    return Reply(200) if post.request.is_async else Reply(200, headers, body)


def _count_repeat(session: Session, exchange_id: int) -> dict[str, Any]:
    """Count one more copy of an exchange; returns its meta (with the stored MDN)."""
    session.execute(
        update(_EXCHANGE)
        .where(_EXCHANGE.c.id == exchange_id)
        .values(duplicate_count=_EXCHANGE.c.duplicate_count + 1)
    )
    return _meta(session, exchange_id)


def _meta(session: Session, exchange_id: int) -> dict[str, Any]:
    meta = session.scalar(select(_EXCHANGE.c.meta).where(_EXCHANGE.c.id == exchange_id))
    return dict(meta or {})


@lru_cache(maxsize=256)
def _signer_facts(signer: x509.Certificate) -> tuple[str, str, str]:
    """SHA-256 fingerprint, subject and PEM of a signer certificate (the same few for every message)."""
    pem = signer.public_bytes(Encoding.PEM).decode()
    return signer.fingerprint(hashes.SHA256()).hex(), signer.subject.rfc4514_string(), pem


def _evidence(message: InboundMessage) -> dict[str, Any]:
    facts = _signer_facts(message.signer) if message.signer else None
    return {
        "as2_message_id": message.message_id,
        "layers": list(message.layers),
        "mic": message.mic,
        "mic_algorithm": message.mic_algorithm,
        "signature_algorithm": message.signature_algorithm,
        "signer_sha256": facts[0] if facts else None,
        "signer_subject": facts[1] if facts else None,
    }


def _received(p: Partnership, message: InboundMessage, evidence: dict[str, Any]) -> list[Received]:
    """One received document per payload; the second and later ones get ``<message id>#<n>``."""
    message_id = message.message_id or ""
    return [
        Received(
            partner_id=p.partner_id,
            transport="as2",
            content=payload.data,
            filename=payload.filename,
            message_id=message_id if index == 0 else f"{message_id}#{index}",
            content_type=payload.content_type,
            meta=evidence,
        )
        for index, payload in enumerate(message.payloads)
    ]


def _evidence_items(
    post: _Post, message: InboundMessage, evidence: dict[str, Any], exchange_id: int
) -> list[Item]:
    """The wire bytes with their headers and, when signed, the signed entity with its signature and
    signer certificate: what an auditor needs to re-verify the message offline."""
    items = [Item("as2-wire-in", post.body, _wire_meta(post.http), "exchange", exchange_id)]
    if message.signed and message.signature is not None:
        signer_pem = _signer_facts(message.signer)[2] if message.signer else None
        meta = {
            "signature_der_base64": base64.b64encode(message.signature).decode(),
            "signer_pem": signer_pem,
        }
        items.append(Item("as2-signed-entity", message.mic_content, meta | evidence, "exchange", exchange_id))
    return items


def _lookup(db: Database, post: _Post) -> tuple[Partnership | None, AS2Error | None, int | None]:
    request = post.request
    found = partnerships.lookup(
        db,
        master_key(post.settings),
        request.partner or "",
        request.us or "",
        request.original_message_id,
        post.now,
    )
    if found.partnership is None:
        error = UnknownTradingPartnerError(
            f"no partnership from AS2-From {request.partner!r} to AS2-To {request.us!r}"
        )
        return None, error, None
    return found.partnership, None, found.earlier_exchange_id


def _unwrap(post: _Post, p: Partnership) -> InboundMessage:
    settings = post.settings
    limits = Limits(
        max_body_bytes=settings.as2_max_body_bytes, max_decompressed_bytes=settings.as2_max_decompressed_bytes
    )
    policy = _policy(p.as2, post.now)
    return unwrap(
        post.http, post.body, keys=p.keys, partner_certs=p.partner_certs, policy=policy, limits=limits
    )


def _stored_mdn(mdn: Mdn | None, sha: str | None, request: MdnRequest) -> dict[str, Any]:
    """What the exchange keeps of its MDN, to answer a repeat with it byte for byte."""
    if mdn is None:
        return {}
    stored = {
        "sha256": sha,
        "headers": [list(h) for h in mdn.headers],
        "message_id": mdn.message_id,
        "disposition": mdn.disposition,
    }
    return {"mdn": stored, "mdn_async_url": request.receipt_url}


def _record(
    session: Session,
    post: _Post,
    p: Partnership,
    message: InboundMessage,
    mdn: Mdn | None,
    prepared: Prepared,
) -> Reply | None:
    """Phase B: the rows. Returns the stored reply instead when a concurrent copy won the race.

    The exchanges and their jobs first, the archive records last: the chain's head stays locked only
    from there to the commit."""
    mdn_sha = prepared.digest_of(mdn.body) if mdn else None
    stored = _stored_mdn(mdn, mdn_sha, post.request)
    evidence = _evidence(message)
    received = _received(p, message, evidence)
    results = [record(session, post.settings, r, meta=evidence | stored) for r in received]
    first = results[0]
    if first.duplicate:
        meta = _meta(session, first.exchange_id)
        if meta.get("mdn"):
            return _stored_reply(session, post, meta)
    fresh = [(r, res) for r, res in zip(received, results, strict=True) if not res.duplicate]
    items = [archive_item(r, res.exchange_id) for r, res in fresh]
    items += _evidence_items(post, message, evidence, first.exchange_id)
    if mdn is not None:
        items.append(_mdn_item(mdn, first.exchange_id))
    append_many(session, post.root, items, prepared=prepared)
    if mdn is None:
        return None
    assert mdn_sha is not None
    _queue_async(session, post, mdn, mdn_sha, p.partner_id)
    _keep_mdn_on_repeats(session, results, stored)
    return None


def _keep_mdn_on_repeats(session: Session, results: list[AcceptResult], stored: dict[str, Any]) -> None:
    """An earlier copy that got no MDN (it asked for none) keeps this one, for the next repeat."""
    for result in results:
        if result.duplicate:
            meta = _meta(session, result.exchange_id) | stored
            session.execute(update(_EXCHANGE).where(_EXCHANGE.c.id == result.exchange_id).values(meta=meta))


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
    http = Headers.of(headers)
    post = _Post(
        settings, settings.resolved_archive_dir, http, body, MdnRequest.from_headers(http), now or utcnow()
    )
    partnership, unknown, earlier_id = _lookup(db, post)
    if partnership is None:
        assert unknown is not None
        return _refuse(db, post, unknown, None)
    if earlier_id is not None:
        with db.transaction() as session:
            return None, _stored_reply(session, post, _count_repeat(session, earlier_id))
    try:
        message = _unwrap(post, partnership)
    except AS2Error as error:
        return _refuse(db, post, error, partnership.signer, partnership.partner_id)
    mdn = _mdn(post, message=message, signer=partnership.signer) if post.request.wants_mdn else None
    # Hashing and any large content's file stay out of the write transaction, which only inserts the
    # rows.
    payloads = [p.data for p in message.payloads]
    prepared = prepare(post.root, [body, message.mic_content, *payloads, *([mdn.body] if mdn else [])])
    stored = db.batched(lambda session: _record(session, post, partnership, message, mdn, prepared))
    if stored is not None:
        return None, stored
    return mdn, _reply(mdn, post.request)
