"""Celery tasks of the system area."""

from __future__ import annotations

import os
import time

from sqlalchemy.orm import Session

from gateway.models import OutboxJob, SystemPing
from gateway.worker import job_task

MAX_PING_DELAY_SECONDS = 60.0


@job_task("system.ping")
def record_ping(session: Session, job: OutboxJob) -> None:
    """Write one ping row for the job; ``delay`` holds the transaction open so tests can kill mid-task."""
    delay = min(float(job.args.get("delay", 0.0)), MAX_PING_DELAY_SECONDS)
    if delay > 0:
        time.sleep(delay)
    session.add(SystemPing(job_id=job.id, note=str(job.args.get("note", ""))[:200], worker_pid=os.getpid()))
