"""Celery tasks of the maintenance area."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from gateway.certificates.service import expiring
from gateway.models import OutboxJob
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
