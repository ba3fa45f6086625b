"""Celery tasks of the maintenance area."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from gateway.certificates.service import expiring
from gateway.maintenance.schedule import PERIODIC_KEY_PREFIX
from gateway.models import JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.worker import job_task
from partners.rollover import EXPIRY_WARNING_DAYS

log = logging.getLogger(__name__)


@job_task("maintenance.check_certificate_expiry")
def check_certificate_expiry(session: Session, job: OutboxJob) -> None:
    """Warn about every certificate ending within 60 days (tighter thresholds 30 and 7 named)."""
    found = expiring(session, utcnow(), max(EXPIRY_WARNING_DAYS))
    for row, warning in found:
        owner = f"partner {row.partner_id}" if row.partner_id else f"station {row.station_id}"
        state = "has expired" if warning.expired else f"expires in {warning.days_left} days"
        log.warning(
            "certificate %s of %s %s",
            row.info["subject"],
            owner,
            state,
            extra={
                "certificate_id": row.id,
                "days_left": warning.days_left,
                "threshold": warning.threshold_days,
            },
        )
    job.args = job.args | {"warnings": len(found)}


PERIODIC_JOBS_KEPT = dt.timedelta(days=2)  # longer than any period: a period's key is never reused


@job_task("maintenance.prune_periodic_jobs")
def prune_periodic_jobs(session: Session, job: OutboxJob) -> None:
    """Delete the finished runs of periodic jobs after two days (a 10 s poll alone leaves ~8,600 rows a
    day); jobs about documents, exchanges and partners are kept as their history."""
    cutoff = utcnow() - PERIODIC_JOBS_KEPT
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(OutboxJob).where(
            OutboxJob.status == JobStatus.DONE,
            OutboxJob.dedup_key.startswith(PERIODIC_KEY_PREFIX, autoescape=True),
            OutboxJob.finished_at < cutoff,
            OutboxJob.id != job.id,
        )
    )
    job.args = job.args | {"deleted": result.rowcount}
