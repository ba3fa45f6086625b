"""Partner REST submissions: EDI bytes go through the same ``accept()`` as AS2 and SFTP; canonical JSON is
validated, archived byte-exact and stored as an inbound exchange with its document in one transaction.

Canonical JSON is not rendered into EDI first: there is no interchange to acknowledge (the HTTP answer
and the message status are the acknowledgement), so the exchange is ``processed`` at once, its document
is unique per business key like a translated one, and it is queued for the ERP the same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.archive.chain import append
from gateway.auth.service import ForbiddenError, Principal
from gateway.config import Settings
from gateway.documents import reconciliation
from gateway.documents.keys import document_key
from gateway.errors import ConflictError, GatewayError, InvalidInputError, NotFoundError
from gateway.inbound.collector import collector_paused
from gateway.inbound.service import MAX_MESSAGE_ID_CHARS, Received, accept
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Document, Exchange, ExchangeStatus, MdnStatus
from gateway.models.partner import Partner
from gateway.outbound.service import mark_sent
from gateway.outbox import enqueue
from gateway.partner_api import repository
from translators.api import detect_syntax, translate_inbound
from translators.canonical import CanonicalDocument, parse_document
from translators.errors import TranslatorError
from translators.options import InboundOptions

TRANSPORT: Final = repository.TRANSPORT
JSON_TYPE: Final = "application/json"
EDI_TYPES: Final = {
    "application/edi-x12": "x12",
    "application/edifact": "edifact",
    "application/octet-stream": None,
}
CANONICAL_ARCHIVE_KIND: Final = "rest-canonical-inbound"


class UnsupportedMediaTypeError(GatewayError):
    http_status = 415
    code = "unsupported_media_type"


class NoCanonicalError(NotFoundError):
    code = "no_canonical_document"


@dataclass(frozen=True)
class Submission:
    """What a partner posted: the exact body, its media type and the idempotency key, if any."""

    content: bytes
    media_type: str
    idempotency_key: str | None

    @property
    def message_id(self) -> str:
        return self.idempotency_key or hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class Submitted:
    exchange: Exchange
    duplicate: bool


def partner_of(session: Session, principal: Principal) -> Partner:
    """The caller's partner; a token whose partner is gone or disabled may do nothing."""
    partner = session.get(Partner, principal.partner_id) if principal.partner_id is not None else None
    if partner is None or not partner.enabled:
        raise ForbiddenError("this partner is disabled; ask your contact to enable it")
    return partner


def _existing(session: Session, partner_id: int, message_id: str) -> Exchange | None:
    return session.scalar(
        select(Exchange).where(
            Exchange.partner_id == partner_id,
            Exchange.direction == Direction.INBOUND,
            Exchange.transport == TRANSPORT,
            Exchange.message_id == message_id[:MAX_MESSAGE_ID_CHARS],
        )
    )


def _repeat(session: Session, partner_id: int, submission: Submission) -> Exchange | None:
    """The exchange stored under this message id; the same key with other content is a conflict."""
    existing = _existing(session, partner_id, submission.message_id)
    if existing is not None and existing.content_sha256 != hashlib.sha256(submission.content).hexdigest():
        raise ConflictError(
            f"Idempotency-Key {submission.message_id!r} was used for different content (exchange "
            f"{existing.id}); use a new key for a new message"
        )
    return existing


def submit(session: Session, settings: Settings, partner: Partner, submission: Submission) -> Submitted:
    """Accept EDI bytes or canonical JSON from the partner; a repeat returns the stored exchange."""
    repeat = _repeat(session, partner.id, submission)
    if repeat is not None:
        repeat.duplicate_count += 1
        return Submitted(repeat, duplicate=True)
    if submission.media_type == JSON_TYPE:
        return _accept_canonical(session, settings, partner, submission)
    if submission.media_type not in EDI_TYPES:
        allowed = ", ".join([*EDI_TYPES, JSON_TYPE])
        raise UnsupportedMediaTypeError(f"send the message as one of: {allowed}")
    return _accept_edi(session, settings, partner, submission)


def _check_syntax(submission: Submission) -> str:
    try:
        syntax = detect_syntax(submission.content)
    except TranslatorError as exc:
        raise InvalidInputError(f"not an EDI interchange: {exc.message}") from exc
    declared = EDI_TYPES[submission.media_type]
    if declared is not None and declared != syntax:
        raise InvalidInputError(f"the body is {syntax} but Content-Type says {submission.media_type}")
    return syntax


def _accept_edi(session: Session, settings: Settings, partner: Partner, submission: Submission) -> Submitted:
    syntax = _check_syntax(submission)
    received = Received(
        partner_id=partner.id,
        transport=TRANSPORT,
        content=submission.content,
        filename=None,
        message_id=submission.message_id,
        content_type=submission.media_type,
        meta={"declared_syntax": syntax, "idempotency_key": submission.idempotency_key},
    )
    result = accept(session, settings, received)
    exchange = session.get(Exchange, result.exchange_id)
    assert exchange is not None
    return Submitted(exchange, result.duplicate)


def _parse(content: bytes) -> CanonicalDocument:
    try:
        return parse_document(content)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:20]
        )
        raise InvalidInputError(f"not a canonical document: {problems}") from exc


def _accept_canonical(
    session: Session, settings: Settings, partner: Partner, submission: Submission
) -> Submitted:
    document = _parse(submission.content)
    now = utcnow()
    exchange = Exchange(
        partner_id=partner.id,
        direction=Direction.INBOUND,
        transport=TRANSPORT,
        message_id=submission.message_id[:MAX_MESSAGE_ID_CHARS],
        status=ExchangeStatus.PROCESSED,
        filename=None,
        content_type=JSON_TYPE,
        content_sha256=hashlib.sha256(submission.content).hexdigest(),
        size=len(submission.content),
        syntax="canonical",
        meta={"idempotency_key": submission.idempotency_key},
        duplicate_count=0,
        received_at=now,
        processed_at=now,
    )
    try:
        with session.begin_nested():
            session.add(exchange)
    except IntegrityError:
        raced = _existing(session, partner.id, submission.message_id)
        if raced is None:
            raise
        return Submitted(raced, duplicate=True)
    append(
        session,
        settings.resolved_archive_dir,
        CANONICAL_ARCHIVE_KIND,
        submission.content,
        meta={"message_id": exchange.message_id, "partner": partner.code},
        subject_type="exchange",
        subject_id=exchange.id,
    )
    _store_document(session, settings, exchange, document)
    return Submitted(exchange, duplicate=False)


def _store_document(
    session: Session, settings: Settings, exchange: Exchange, document: CanonicalDocument
) -> None:
    key = document_key(document)
    row = Document(
        exchange_id=exchange.id,
        partner_id=exchange.partner_id,
        direction=Direction.INBOUND,
        kind=key.kind,
        number=key.number[:80],
        business_key=key.business_key[:300],
        document_date=key.document_date,
        message_type="canonical",
        interchange_ref=f"rest-{exchange.id}",
        message_ref="1",
        canonical=document.model_dump(mode="json"),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        exchange.meta = exchange.meta | {"documents": [], "duplicate_documents": 1}
        return
    exchange.meta = exchange.meta | {"documents": [row.id], "duplicate_documents": 0}
    reconciliation.after_store(session, settings, row)
    if key.kind != "functional_ack":
        enqueue(
            session,
            settings,
            "erp.sync_document",
            subject_type="document",
            subject_id=row.id,
            dedup_key=f"erp.sync_document:{row.id}",
        )


def fetch(session: Session, settings: Settings, partner: Partner, exchange_id: int) -> tuple[Exchange, bytes]:
    """The exact archived bytes of an outbound exchange; the first fetch marks it sent (delivered)."""
    exchange = repository.outbound(session, partner.id, exchange_id, for_update=True)
    content = get_blob(session, settings.resolved_archive_dir, exchange.content_sha256)
    if exchange.status is ExchangeStatus.READY:
        now = utcnow()
        mark_sent(exchange, now, MdnStatus.NONE, fetched_at=now.isoformat(timespec="seconds"))
    return exchange, content


def canonical_documents(
    session: Session, settings: Settings, partner: Partner, exchange_id: int
) -> list[dict[str, Any]]:
    """The canonical documents behind an outbound exchange: its stored documents, or for a functional
    acknowledgement the FunctionalAck read back from the exact bytes we sent."""
    exchange = repository.outbound(session, partner.id, exchange_id)
    stored = [d.canonical for d in repository.documents_of(session, exchange.id)]
    if stored or "ack_kind" not in exchange.meta:
        return stored
    content = get_blob(session, settings.resolved_archive_dir, exchange.content_sha256)
    try:
        with collector_paused():
            result = translate_inbound(content, InboundOptions(now=utcnow(), ack_kind="none", ta1="never"))
    except TranslatorError:
        return []
    return [
        message.document.model_dump(mode="json")
        for interchange in result.interchanges
        for group in interchange.groups
        for message in group.messages
        if message.document is not None
    ]
