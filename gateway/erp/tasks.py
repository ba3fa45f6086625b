"""``erp.sync_document``: deliver one document to the configured ERP connector, recording each attempt
(an 855/856 only after its PO, see ``ordering``); ``erp.sync_event``: deliver an event about a document
(a reconciliation with deviations) the same way, after the document; ``erp.poll_staging`` (periodic):
take the documents the ERP wrote into its outbound staging table.

The connector is called with no database transaction open; the delivery row and the job's completion
are written together afterwards, and a failed attempt is written by the outbox's failure hook.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.config import Settings, get_settings
from gateway.erp import ordering, polling
from gateway.erp.connectors import Connector, Delivery, build_connector
from gateway.models import OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import Document, ErpDelivery
from gateway.models.partner import Partner
from gateway.outbox import IoHandler
from gateway.worker import job_task

log = logging.getLogger(__name__)


def idempotency_key(document_id: int) -> str:
    return ordering.document_key(document_id)


@dataclass(frozen=True)
class _Attempt:
    connector: Connector
    delivery: Delivery


@dataclass(frozen=True)
class _Outcome:
    connector: str
    detail: str
    idempotency_key: str


def _delivery_key(job: OutboxJob) -> str:
    assert job.subject_id is not None
    return str(job.args.get("idempotency_key") or idempotency_key(job.subject_id))


def _deferrals(job: OutboxJob) -> int:
    return int(job.args.get("deferrals", 0))


@dataclass(frozen=True)
class _Subject:
    settings: Settings
    connector: Connector
    document: Document
    partner: Partner


def _subject(session: Session, job: OutboxJob) -> _Subject | None:
    """The job's document, its partner and the configured connector (None: nothing to deliver to)."""
    assert job.subject_id is not None
    settings = get_settings()
    connector = build_connector(settings)
    document = session.get(Document, job.subject_id)
    if document is None or connector is None:
        return None
    partner = session.get(Partner, document.partner_id)
    assert partner is not None
    return _Subject(settings, connector, document, partner)


def load(session: Session, job: OutboxJob) -> _Attempt | None:
    subject = _subject(session, job)
    if subject is None:
        return None
    document = subject.document
    delivery = Delivery(
        document_id=document.id,
        kind=document.kind,
        number=document.number,
        partner_code=subject.partner.code,
        idempotency_key=idempotency_key(document.id),
        canonical=document.canonical,
        flags=ordering.document_flags(session, subject.settings, document, _deferrals(job)),
    )
    return _Attempt(subject.connector, delivery)


def load_event(session: Session, job: OutboxJob) -> _Attempt | None:
    """An event about a document (``args.event``), delivered after the document itself."""
    subject = _subject(session, job)
    if subject is None:
        return None
    document = subject.document
    event = dict(job.args["event"])
    delivery = Delivery(
        document_id=document.id,
        kind=str(event["event"]),
        number=str(event.get("po_number") or document.number),
        partner_code=subject.partner.code,
        idempotency_key=_delivery_key(job),
        canonical=event,
        flags=ordering.event_flags(session, subject.settings, document, _deferrals(job)),
    )
    return _Attempt(subject.connector, delivery)


def perform(attempt: _Attempt) -> _Outcome:
    detail = attempt.connector.deliver(attempt.delivery)
    if attempt.delivery.flags:
        detail += "; flagged " + ", ".join(str(f["code"]) for f in attempt.delivery.flags)
    return _Outcome(attempt.connector.name, detail, attempt.delivery.idempotency_key)


def record(session: Session, job: OutboxJob, outcome: _Outcome | None) -> None:
    if outcome is None:
        return
    assert job.subject_id is not None
    session.add(
        ErpDelivery(
            document_id=job.subject_id,
            connector=outcome.connector,
            idempotency_key=outcome.idempotency_key,
            outcome=ordering.DELIVERED,
            detail=outcome.detail,
            started_at=job.started_at or utcnow(),
            finished_at=utcnow(),
        )
    )
    document = session.get(Document, job.subject_id)
    if document is not None and outcome.idempotency_key == idempotency_key(document.id):
        ordering.after_delivery(session, document)


def record_failure(session: Session, job: OutboxJob, error: BaseException) -> None:
    assert job.subject_id is not None
    session.add(
        ErpDelivery(
            document_id=job.subject_id,
            connector=get_settings().erp_connector,
            idempotency_key=_delivery_key(job),
            outcome="failed",
            detail=f"{type(error).__name__}: {error}"[:2000],
            started_at=job.started_at or utcnow(),
            finished_at=utcnow(),
        )
    )


sync = job_task(ordering.SYNC_TASK)(
    IoHandler(load=load, perform=perform, record=record, on_failure=record_failure)
)
sync_event = job_task(ordering.EVENT_TASK)(
    IoHandler(load=load_event, perform=perform, record=record, on_failure=record_failure)
)


@dataclass(frozen=True)
class _Poll:
    settings: Settings


def load_poll(_session: Session, _job: OutboxJob) -> _Poll | None:
    settings = get_settings()
    if settings.erp_staging_url is None or settings.erp_staging_outbound_table is None:
        return None
    return _Poll(settings)


def perform_poll(poll: _Poll) -> dict[str, object]:
    """Poll once; a failure (staging database down) is logged and left to the next period's poll
    rather than retried, so an outage does not pile up retrying polls."""
    try:
        polled = polling.poll(poll.settings)
    except Exception as exc:
        log.exception("polling the ERP staging table failed; the next poll tries again")
        return {"error": f"{type(exc).__name__}: {exc}"[:2000]}
    return {"taken": polled.taken, "refused": polled.refused}


def record_poll(_session: Session, job: OutboxJob, outcome: dict[str, object] | None) -> None:
    if outcome is not None:
        job.args = job.args | outcome


poll_staging = job_task("erp.poll_staging")(
    IoHandler(load=load_poll, perform=perform_poll, record=record_poll)
)
