"""Celery tasks of the documents area: ``documents.reconcile`` links one stored document to what it
answers (PO or outbound exchange); ``documents.sweep_reconciliation`` (periodic) checks waiting answers
again and gives up on those whose PO did not come in time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.config import get_settings
from gateway.documents import reconciliation
from gateway.models import OutboxJob
from gateway.worker import job_task


@job_task(reconciliation.RECONCILE_TASK)
def reconcile(session: Session, job: OutboxJob) -> None:
    """Reconcile the job's document (855/856 with its PO, functional ack with its exchange)."""
    assert job.subject_id is not None
    rows = reconciliation.reconcile(session, get_settings(), job.subject_id)
    job.args = job.args | {"statuses": [r.status.value for r in rows]}


@job_task(reconciliation.SWEEP_TASK)
def sweep_reconciliation(session: Session, job: OutboxJob) -> None:
    """Check every waiting answer again; the expired ones become unmatched."""
    job.args = job.args | {"settled": reconciliation.sweep(session, get_settings())}
