"""Celery tasks of the inbound area."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.config import get_settings
from gateway.inbound.processing import process_exchange
from gateway.models import OutboxJob
from gateway.worker import job_task


@job_task("inbound.process_exchange")
def process(session: Session, job: OutboxJob) -> None:
    """Translate, dedup, store and acknowledge one received exchange."""
    assert job.subject_id is not None
    process_exchange(session, get_settings(), job.subject_id)
