"""Outbox: enqueue inside the caller's transaction, relay to the broker after commit, sweep stale rows,
and run each job at most once to completion (claim, work + done in one transaction, record failures).

The database is the truth and the broker only a wake-up call: a lost or duplicated message costs at most
a delay, never a lost or doubled effect.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import Database, get_database, insert_or_skip
from gateway.errors import ConflictError, NotFoundError, PermanentJobError
from gateway.models import JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.observability import get_correlation_id, reset_correlation_id, set_correlation_id
from gateway.tracing import span

log = logging.getLogger(__name__)

JobHandler = Callable[[Session, OutboxJob], None]
FailureHook = Callable[[Session, OutboxJob, BaseException], None]


@dataclass(frozen=True)
class IoHandler:
    """A job that talks to the outside world: ``load`` reads what it needs, ``perform`` does the I/O
    with no transaction open (so no lock is held while waiting on a network), ``record`` writes the
    outcome and completes the job in one transaction, ``on_failure`` records a failed attempt.

    ``perform`` may run again after a crash between it and ``record``: it must be idempotent on the
    other side (an idempotency key, a deterministic file name).
    """

    load: Callable[[Session, OutboxJob], Any]
    perform: Callable[[Any], Any]
    record: Callable[[Session, OutboxJob, Any], None]
    on_failure: FailureHook | None = None


MAX_ERROR_CHARS = 4000
WAITING_KEY = "waiting_for"


class Deferred(Exception):  # noqa: N818 - not an error: the job is not due yet
    """Raised by a handler whose job must wait for something else (e.g. a ship notice for its PO to reach
    the ERP): the job is pending again after ``seconds`` without using up an attempt, with ``waiting_for``
    in its args so whatever it waits for can wake it early (``wake``)."""

    def __init__(self, waiting_for: str, seconds: float) -> None:
        super().__init__(f"waiting for {waiting_for}")
        self.waiting_for = waiting_for
        self.seconds = seconds


def enqueue(
    session: Session,
    settings: Settings,
    task: str,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
    args: dict[str, Any] | None = None,
    dedup_key: str | None = None,
    delay_seconds: float = 0.0,
) -> OutboxJob:
    """Add a job to the caller's transaction; a job with the same ``dedup_key`` is returned instead."""
    from gateway.worker import area_of

    if dedup_key is not None:
        existing = session.scalar(select(OutboxJob).where(OutboxJob.dedup_key == dedup_key))
        if existing is not None:
            return existing
    job = OutboxJob(
        task=task,
        queue=settings.queue_name(area_of(task)),
        subject_type=subject_type,
        subject_id=subject_id,
        args=args or {},
        dedup_key=dedup_key,
        status=JobStatus.PENDING,
        attempts=0,
        max_attempts=settings.outbox_max_attempts,
        available_at=utcnow() + timedelta(seconds=delay_seconds),
        correlation_id=get_correlation_id(),
    )
    try:
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        existing = session.scalar(select(OutboxJob).where(OutboxJob.dedup_key == dedup_key))
        if existing is None:
            raise
        return existing
    return job


_JOB = cast(Table, OutboxJob.__table__)


def enqueue_row(
    session: Session,
    settings: Settings,
    task: str,
    *,
    subject_type: str | None = None,
    subject_id: int | None = None,
    args: dict[str, Any] | None = None,
    dedup_key: str | None = None,
) -> None:
    """:func:`enqueue` in one ``INSERT`` and without an ORM object, for hot paths that need no row back;
    a job with the same ``dedup_key`` is kept as it is."""
    from gateway.worker import area_of

    values = {
        "task": task,
        "queue": settings.queue_name(area_of(task)),
        "subject_type": subject_type,
        "subject_id": subject_id,
        "args": args or {},
        "dedup_key": dedup_key,
        "status": JobStatus.PENDING,
        "attempts": 0,
        "max_attempts": settings.outbox_max_attempts,
        "available_at": utcnow(),
        "correlation_id": get_correlation_id(),
    }
    session.connection().execute(insert_or_skip(session, _JOB, ["dedup_key"]), values)


Publisher = Callable[[OutboxJob], None]


def celery_publisher() -> Publisher:
    """Publish to the job's queue, declaring the durable queue first: a message sent before any worker
    has started is kept by the broker instead of being dropped as unroutable."""
    from gateway.worker import celery_app

    queues = {queue.name: queue for queue in celery_app.conf.task_queues}

    def publish(job: OutboxJob) -> None:
        queue = queues[job.queue]
        celery_app.send_task(
            job.task, args=[job.id], exchange=queue.exchange, routing_key=queue.routing_key, declare=[queue]
        )

    return publish


def publish_due(db: Database, publish: Publisher, batch_size: int = 200) -> int:
    """Publish pending jobs whose time has come; returns how many were published.

    An idle poll only reads (WAL readers take no lock), so a frequent relay never blocks writers.
    """
    now = utcnow()
    due = (
        select(OutboxJob.id)
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.available_at <= now)
        .limit(1)
    )
    with db.sessions() as session:
        if session.scalar(due) is None:
            return 0
    with db.transaction() as session:
        stmt = (
            select(OutboxJob)
            .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.available_at <= now)
            .order_by(OutboxJob.id)
            .limit(batch_size)
        )
        if session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        jobs = list(session.scalars(stmt))
        for job in jobs:
            publish(job)
            job.status = JobStatus.PUBLISHED
            job.published_at = now
            job.publish_count += 1
    return len(jobs)


def sweep_stale(db: Database, stale_after_seconds: float) -> int:
    """Make published or running jobs that went quiet for too long due again (lost message, dead worker)."""
    cutoff = utcnow() - timedelta(seconds=stale_after_seconds)
    with db.transaction() as session:
        result = session.execute(
            update(OutboxJob)
            .where(
                or_(
                    (OutboxJob.status == JobStatus.PUBLISHED) & (OutboxJob.published_at < cutoff),
                    (OutboxJob.status == JobStatus.RUNNING) & (OutboxJob.started_at < cutoff),
                )
            )
            .values(status=JobStatus.PENDING, available_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        count: int = getattr(result, "rowcount", 0) or 0
    if count:
        log.warning("outbox sweeper made stale jobs due again", extra={"jobs": count})
    return count


@dataclass(frozen=True)
class _Claim:
    correlation_id: str | None
    attempt: int


def _claim(db: Database, job_id: int) -> _Claim | None:
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id, with_for_update=True)
        if job is None or job.status in (JobStatus.DONE, JobStatus.DEAD):
            return None
        if job.status == JobStatus.PENDING and job.available_at > utcnow():
            return None  # a retry waiting for its backoff; the relay publishes it when due
        if job.attempts >= job.max_attempts:
            job.status = JobStatus.DEAD
            job.finished_at = utcnow()
            job.last_error = (job.last_error or "") + f"\ngave up after {job.attempts} attempts"
            log.error("outbox job dead: out of attempts", extra={"job_id": job_id, "task": job.task})
            return None
        job.attempts += 1
        job.status = JobStatus.RUNNING
        job.started_at = utcnow()
        return _Claim(job.correlation_id, job.attempts)


def backoff_seconds(settings: Settings, attempt: int) -> float:
    base: float = settings.outbox_backoff_base_seconds * float(2 ** max(0, attempt - 1))
    jitter = random.uniform(0.9, 1.1)  # noqa: S311 - spreading retries, not security
    return min(settings.outbox_backoff_max_seconds, base) * jitter


def _record_failure(
    db: Database, settings: Settings, job_id: int, exc: BaseException, hook: FailureHook | None = None
) -> None:
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:MAX_ERROR_CHARS]
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.RUNNING:
            return
        if hook is not None:
            hook(session, job, exc)
        job.last_error = text
        if isinstance(exc, PermanentJobError) or job.attempts >= job.max_attempts:
            job.status = JobStatus.DEAD
            job.finished_at = utcnow()
            log.error("outbox job dead", extra={"job_id": job_id, "task": job.task, "error": text})
        else:
            job.status = JobStatus.PENDING
            job.available_at = utcnow() + timedelta(seconds=backoff_seconds(settings, job.attempts))
            log.warning("outbox job failed, will retry", extra={"job_id": job_id, "error": text})


def _defer(db: Database, job_id: int, deferred: Deferred) -> None:
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.RUNNING:
            return
        job.status = JobStatus.PENDING
        job.attempts = max(0, job.attempts - 1)
        job.available_at = utcnow() + timedelta(seconds=deferred.seconds)
        deferrals = int(job.args.get("deferrals", 0)) + 1
        job.args = job.args | {WAITING_KEY: deferred.waiting_for, "deferrals": deferrals}
    log.info("outbox job deferred", extra={"job_id": job_id, "waiting_for": deferred.waiting_for})


def wake(session: Session, task: str, waiting_for: str) -> int:
    """Make the pending ``task`` jobs deferred on ``waiting_for`` due now; returns how many."""
    result = session.execute(
        update(OutboxJob)
        .where(
            OutboxJob.task == task,
            OutboxJob.status == JobStatus.PENDING,
            OutboxJob.args[WAITING_KEY].as_string() == waiting_for,
        )
        .values(available_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _complete(db: Database, job_id: int, work: Callable[[Session, OutboxJob], None]) -> bool:
    with db.transaction() as session:
        job = session.get(OutboxJob, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.RUNNING:
            return False
        work(session, job)
        job.status = JobStatus.DONE
        job.finished_at = utcnow()
        task = job.task
    log.info("outbox job done", extra={"job_id": job_id, "task": task})
    return True


def _run_io(db: Database, job_id: int, handler: IoHandler) -> bool:
    with db.sessions() as session:
        job = session.get(OutboxJob, job_id)
        if job is None:
            return False
        loaded = handler.load(session, job)
    outcome = handler.perform(loaded) if loaded is not None else None
    return _complete(db, job_id, lambda session, job: handler.record(session, job, outcome))


def run_job(settings: Settings, job_id: int, handler: JobHandler | IoHandler) -> bool:
    """Run the job unless it is done; returns True when this call completed it."""
    db = get_database(settings)
    claim = _claim(db, job_id)
    if claim is None:
        return False
    token = set_correlation_id(claim.correlation_id)
    try:
        with span("outbox job", job_id=job_id, attempt=claim.attempt):
            if isinstance(handler, IoHandler):
                return _run_io(db, job_id, handler)
            return _complete(db, job_id, handler)
    except Deferred as deferred:
        _defer(db, job_id, deferred)
        return False
    except Exception as exc:
        hook = handler.on_failure if isinstance(handler, IoHandler) else None
        _record_failure(db, settings, job_id, exc, hook)
        return False
    finally:
        reset_correlation_id(token)


def replay(session: Session, job_id: int) -> OutboxJob:
    """Give a dead job a fresh set of attempts (operator action)."""
    job = session.get(OutboxJob, job_id, with_for_update=True)
    if job is None:
        raise NotFoundError(f"outbox job {job_id} does not exist")
    if job.status != JobStatus.DEAD:
        raise ConflictError(f"outbox job {job_id} is {job.status.value}, only dead jobs can be replayed")
    job.status = JobStatus.PENDING
    job.attempts = 0
    job.available_at = utcnow()
    job.finished_at = None
    return job


def oldest_due_age_seconds(session: Session, now: datetime | None = None) -> float:
    now = now or utcnow()
    oldest = session.scalar(
        select(OutboxJob.available_at)
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.available_at <= now)
        .order_by(OutboxJob.available_at)
        .limit(1)
    )
    return (now - oldest).total_seconds() if oldest else 0.0


def relay_heartbeat_path(settings: Settings) -> Path:
    """A file the relay touches on every loop; its age tells a health check whether the relay is alive."""
    return settings.data_dir.resolve() / "relay.heartbeat"


def relay_heartbeat_age(settings: Settings) -> float | None:
    path = relay_heartbeat_path(settings)
    return time.time() - path.stat().st_mtime if path.exists() else None


def run_relay(settings: Settings, stop: threading.Event, publish: Publisher | None = None) -> None:
    """Relay loop: publish due jobs, sweep stale ones and schedule periodic ones every few seconds,
    until ``stop`` is set."""
    from gateway.maintenance.schedule import schedule_due

    db = get_database(settings)
    publish = publish or celery_publisher()
    sweep_every = min(10.0, settings.outbox_stale_after_seconds / 2)
    next_sweep = 0.0
    log.info("outbox relay started", extra={"database": db.engine.url.render_as_string()})
    heartbeat = relay_heartbeat_path(settings)
    heartbeat.parent.mkdir(parents=True, exist_ok=True)
    while not stop.is_set():
        try:
            heartbeat.touch()
            published = publish_due(db, publish, settings.relay_batch_size)
            now = utcnow().timestamp()
            if now >= next_sweep:
                sweep_stale(db, settings.outbox_stale_after_seconds)
                schedule_due(db, settings)
                next_sweep = now + sweep_every
        except Exception:
            log.exception("outbox relay iteration failed; retrying")
            published = 0
            stop.wait(1.0)
        if published < settings.relay_batch_size:
            stop.wait(settings.relay_interval_seconds)
    log.info("outbox relay stopped")
