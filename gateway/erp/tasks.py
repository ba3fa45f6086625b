"""``erp.sync_document``: deliver one document to the configured ERP connector, recording each attempt;
``erp.poll_staging`` (periodic): take the documents the ERP wrote into its outbound staging table.

The connector is called with no database transaction open; the delivery row and the job's completion
are written together afterwards, and a failed attempt is written by the outbox's failure hook.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.config import Settings, get_settings
from gateway.erp import polling
from gateway.erp.connectors import Connector, Delivery, build_connector
from gateway.models import OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import Document, ErpDelivery
from gateway.models.partner import Partner
from gateway.outbox import IoHandler
from gateway.worker import job_task

log = logging.getLogger(__name__)


def idempotency_key(document_id: int) -> str:
    return f"edigw-document-{document_id}"


@dataclass(frozen=True)
class _Attempt:
    connector: Connector
    delivery: Delivery


@dataclass(frozen=True)
class _Outcome:
    connector: str
    detail: str


def load(session: Session, job: OutboxJob) -> _Attempt | None:
    assert job.subject_id is not None
    connector = build_connector(get_settings())
    document = session.get(Document, job.subject_id)
    if document is None or connector is None:
        return None
    partner = session.get(Partner, document.partner_id)
    assert partner is not None
    delivery = Delivery(
        document_id=document.id,
        kind=document.kind,
        number=document.number,
        partner_code=partner.code,
        idempotency_key=idempotency_key(document.id),
        canonical=document.canonical,
    )
    return _Attempt(connector, delivery)


def perform(attempt: _Attempt) -> _Outcome:
    return _Outcome(attempt.connector.name, attempt.connector.deliver(attempt.delivery))


def record(session: Session, job: OutboxJob, outcome: _Outcome | None) -> None:
    if outcome is None:
        return
    assert job.subject_id is not None
    session.add(
        ErpDelivery(
            document_id=job.subject_id,
            connector=outcome.connector,
            idempotency_key=idempotency_key(job.subject_id),
            outcome="delivered",
            detail=outcome.detail,
            started_at=job.started_at or utcnow(),
            finished_at=utcnow(),
        )
    )


def record_failure(session: Session, job: OutboxJob, error: BaseException) -> None:
    assert job.subject_id is not None
    session.add(
        ErpDelivery(
            document_id=job.subject_id,
            connector=get_settings().erp_connector,
            idempotency_key=idempotency_key(job.subject_id),
            outcome="failed",
            detail=f"{type(error).__name__}: {error}"[:2000],
            started_at=job.started_at or utcnow(),
            finished_at=utcnow(),
        )
    )


sync = job_task("erp.sync_document")(
    IoHandler(load=load, perform=perform, record=record, on_failure=record_failure)
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
