"""Documents the ERP sends to partners (DESIGN.md §3, Outbound): one transaction stores the canonical
document, renders it with the partner's format and per-partner control numbers, archives the bytes and
queues the READY exchange for its transport. Also the reads behind ``GET /v1/documents``.

Duplicates: a document whose business key was already sent to the partner answers with the stored one
(HTTP 200) when its content is the same, and with 409 when it differs (send a change or a new number).
An ``Idempotency-Key`` seen before answers with the document it created, if the request is the same.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.archive.chain import append
from gateway.auth.service import SYSTEM, Principal, audit
from gateway.config import Settings
from gateway.documents import counters, reconciliation
from gateway.documents.envelope import Envelope, envelope_for
from gateway.documents.keys import DocumentKey, document_key
from gateway.erp import ordering
from gateway.errors import ConflictError, InvalidInputError, NotFoundError
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Document, Exchange, ExchangeStatus
from gateway.models.partner import Partner
from gateway.onboarding.service import profile_of
from gateway.outbound.repository import STATION_META_KEY
from gateway.outbound.service import queue_send
from partners.formats import AckPolicy, Syntax
from translators.api import render_outbound
from translators.canonical import CanonicalDocument
from translators.errors import TranslatorError

log = logging.getLogger(__name__)

ARCHIVE_KIND = "document-outbound"
MESSAGE_ID_PREFIX = "document:"
IDEMPOTENCY_META_KEY = "idempotency_key"
MAX_LISTED = 500
CONTENT_TYPES = {Syntax.X12: "application/edi-x12", Syntax.EDIFACT: "application/edifact"}
MAX_ERROR_CHARS = 2000
MAX_NUMBER_CHARS = 80
MAX_BUSINESS_KEY_CHARS = 300


@dataclass(frozen=True)
class Sent:
    """The outcome of one ``POST /v1/documents``: ``created`` False when an earlier one was returned."""

    document: Document
    exchange: Exchange
    created: bool


def _partner(session: Session, partner_id: int) -> Partner:
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} does not exist", location="partner_id")
    if not partner.enabled:
        raise ConflictError(f"partner {partner.code} is disabled", location="partner_id")
    return partner


def _exchange_of(session: Session, document: Document) -> Exchange:
    exchange = session.get(Exchange, document.exchange_id)
    assert exchange is not None
    return exchange


def _same_or_conflict(session: Session, existing: Document, canonical: dict[str, Any], why: str) -> Sent:
    if existing.canonical != canonical:
        raise ConflictError(
            f"{why} (document {existing.id}) with different content: send a change or a new number",
            location="document",
        )
    return Sent(existing, _exchange_of(session, existing), created=False)


def _by_idempotency_key(session: Session, partner_id: int, key: str) -> Document | None:
    exchange = session.scalar(
        select(Exchange).where(
            Exchange.partner_id == partner_id,
            Exchange.direction == Direction.OUTBOUND,
            Exchange.meta[IDEMPOTENCY_META_KEY].as_string() == key,
        )
    )
    if exchange is None:
        return None
    return session.scalar(select(Document).where(Document.exchange_id == exchange.id))


def _by_business_key(session: Session, partner_id: int, kind: str, business_key: str) -> Document | None:
    return session.scalar(
        select(Document).where(
            Document.partner_id == partner_id,
            Document.direction == Direction.OUTBOUND,
            Document.kind == kind,
            Document.business_key == business_key,
        )
    )


def _render(
    session: Session, partner_id: int, envelope: Envelope, document: CanonicalDocument, now: datetime
) -> tuple[bytes, dict[str, int]]:
    syntax = envelope.format.syntax.value
    numbers = {
        level: counters.take(session, partner_id, syntax, level)
        for level in ("interchange", "group", "message")
    }
    options = envelope.options(numbers["interchange"], numbers["group"], numbers["message"], now)
    try:
        return render_outbound(document, options), numbers
    except TranslatorError as exc:
        raise InvalidInputError(
            f"cannot render for partner: {exc}"[:MAX_ERROR_CHARS], location="document"
        ) from exc


def _new_exchange(
    partner: Partner, envelope: Envelope, data: bytes, sha256: str, meta: dict[str, Any]
) -> Exchange:
    outbound = profile_of(partner).transports.outbound
    fmt = envelope.format
    return Exchange(
        partner_id=partner.id,
        direction=Direction.OUTBOUND,
        transport=outbound.value if outbound is not None else "rest",
        message_id=f"{MESSAGE_ID_PREFIX}pending:{sha256}",
        status=ExchangeStatus.READY,
        filename=f"{fmt.document_type}-{meta['interchange_control_number']}.edi",
        content_type=CONTENT_TYPES[fmt.syntax],
        content_sha256=sha256,
        size=len(data),
        syntax=fmt.syntax.value,
        meta=meta,
        duplicate_count=0,
    )


def _meta(envelope: Envelope, numbers: dict[str, int], idempotency_key: str | None) -> dict[str, Any]:
    fmt = envelope.format
    meta: dict[str, Any] = {
        "document_type": fmt.document_type,
        "version": fmt.version,
        "test": fmt.test_mode,
        "ack_policy": fmt.ack_policy.value,
        "interchange_control_number": numbers["interchange"],
        "group_control_number": numbers["group"],
        "message_control_number": numbers["message"],
    }
    if envelope.station.as2_id is not None:
        meta[STATION_META_KEY] = envelope.station.id
    if idempotency_key is not None:
        meta[IDEMPOTENCY_META_KEY] = idempotency_key
    if fmt.ack_policy is not AckPolicy.NONE:
        meta[reconciliation.ACK_STATUS_KEY] = reconciliation.ACK_AWAITING
    return meta


def _document_row(partner_id: int, key: DocumentKey, envelope: Envelope, numbers: dict[str, int]) -> Document:
    return Document(
        partner_id=partner_id,
        direction=Direction.OUTBOUND,
        kind=key.kind,
        number=key.number[:MAX_NUMBER_CHARS],
        business_key=key.business_key[:MAX_BUSINESS_KEY_CHARS],
        document_date=key.document_date,
        message_type=envelope.format.document_type,
        interchange_ref=str(numbers["interchange"]),
        group_ref=str(numbers["group"]),
        message_ref=str(numbers["message"]),
    )


def _store(session: Session, exchange: Exchange, document: Document) -> None:
    """Insert both rows; a concurrent request that stored the same business key first wins (409 here,
    the whole transaction rolls back so no control number is used up)."""
    try:
        with session.begin_nested():
            session.add(exchange)
            session.flush()
            document.exchange_id = exchange.id
            session.add(document)
            session.flush()
            exchange.message_id = f"{MESSAGE_ID_PREFIX}{document.id}"
            session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            "the same document is being sent concurrently: retry", location="document"
        ) from exc


def send_document(
    session: Session,
    settings: Settings,
    partner_id: int,
    document: CanonicalDocument,
    *,
    idempotency_key: str | None = None,
    by: Principal = SYSTEM,
) -> Sent:
    """Store, render, archive and queue one canonical document for ``partner_id`` (see module doc)."""
    partner = _partner(session, partner_id)
    canonical = document.model_dump(mode="json")
    key = document_key(document)
    if idempotency_key is not None and (earlier := _by_idempotency_key(session, partner_id, idempotency_key)):
        return _same_or_conflict(session, earlier, canonical, f"Idempotency-Key {idempotency_key!r} was used")
    if existing := _by_business_key(session, partner_id, key.kind, key.business_key[:MAX_BUSINESS_KEY_CHARS]):
        return _same_or_conflict(session, existing, canonical, f"{key.kind} {key.number} was already sent")
    envelope = envelope_for(session, profile_of(partner), key.kind)
    data, numbers = _render(
        session, partner_id, envelope, document, utcnow().replace(second=0, microsecond=0)
    )
    meta = _meta(envelope, numbers, idempotency_key)
    exchange = _new_exchange(partner, envelope, data, hashlib.sha256(data).hexdigest(), meta)
    row = _document_row(partner_id, key, envelope, numbers)
    row.canonical = canonical
    _store(session, exchange, row)
    append(session, settings.resolved_archive_dir, ARCHIVE_KIND, data, meta=meta, subject_type="exchange",
           subject_id=exchange.id)  # fmt: skip
    queue_send(session, settings, exchange)
    reconciliation.after_store(session, settings, row)
    ordering.po_stored_by_erp(session, row)
    after = {"partner_id": partner_id, "kind": key.kind, "number": key.number, "exchange_id": exchange.id}
    audit(session, by, "document.send", "document", row.id, after=after | numbers)
    log.info("outbound document queued", extra={"document_id": row.id, "exchange_id": exchange.id})
    return Sent(row, exchange, created=True)


def get_document(session: Session, document_id: int) -> tuple[Document, Exchange]:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFoundError(f"document {document_id} does not exist")
    return document, _exchange_of(session, document)


def list_documents(
    session: Session,
    *,
    partner_id: int | None = None,
    kind: str | None = None,
    number: str | None = None,
    direction: Direction | None = None,
    limit: int = MAX_LISTED,
) -> list[Document]:
    """Documents matching every filter given, newest first."""
    stmt = select(Document).order_by(Document.id.desc()).limit(limit)
    if partner_id is not None:
        stmt = stmt.where(Document.partner_id == partner_id)
    if kind is not None:
        stmt = stmt.where(Document.kind == kind)
    if number is not None:
        stmt = stmt.where(Document.number == number)
    if direction is not None:
        stmt = stmt.where(Document.direction == direction)
    return list(session.scalars(stmt))
