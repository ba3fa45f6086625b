"""The outbox state machine on a real SQLite database: enqueue, publish, run once, retry, dead, replay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import get_database
from gateway.errors import ConflictError, PermanentJobError
from gateway.models import JobStatus, OutboxJob, SystemPing
from gateway.models.base import utcnow
from gateway.observability import get_correlation_id, reset_correlation_id, set_correlation_id
from gateway.outbox import enqueue, publish_due, replay, run_job, sweep_stale


def _enqueue(settings: Settings, **kwargs: object) -> int:
    with get_database(settings).transaction() as session:
        job = enqueue(session, settings, "system.ping", **kwargs)  # type: ignore[arg-type]
        session.flush()
        return job.id


def _job(settings: Settings, job_id: int) -> OutboxJob:
    with get_database(settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        return job


def _write_ping(session: Session, job: OutboxJob) -> None:
    session.add(SystemPing(job_id=job.id, note="t", worker_pid=1))


def _pings(settings: Settings) -> int:
    with get_database(settings).sessions() as session:
        return session.scalar(select(func.count()).select_from(SystemPing)) or 0


def test_enqueue_is_part_of_the_callers_transaction(migrated: Settings) -> None:
    db = get_database(migrated)
    with pytest.raises(RuntimeError), db.transaction() as session:
        enqueue(session, migrated, "system.ping")
        raise RuntimeError("request failed after enqueue")
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == 0


def test_dedup_key_returns_the_existing_job(migrated: Settings) -> None:
    first = _enqueue(migrated, dedup_key="exchange:42")
    second = _enqueue(migrated, dedup_key="exchange:42")
    assert first == second


def test_unknown_area_is_refused(migrated: Settings) -> None:
    with pytest.raises(ValueError, match="area"), get_database(migrated).transaction() as session:
        enqueue(session, migrated, "nowhere.do_thing")


def test_publish_due_publishes_only_due_jobs_in_order(migrated: Settings) -> None:
    due = [_enqueue(migrated), _enqueue(migrated)]
    later = _enqueue(migrated, delay_seconds=60)
    published: list[int] = []
    assert publish_due(get_database(migrated), lambda job: published.append(job.id)) == 2
    assert published == due
    assert _job(migrated, due[0]).status == JobStatus.PUBLISHED
    assert _job(migrated, due[0]).publish_count == 1
    assert _job(migrated, later).status == JobStatus.PENDING


def test_publish_failure_leaves_jobs_pending(migrated: Settings) -> None:
    job_id = _enqueue(migrated)

    def broker_down(_job: OutboxJob) -> None:
        raise ConnectionError("broker unreachable")

    with pytest.raises(ConnectionError):
        publish_due(get_database(migrated), broker_down)
    assert _job(migrated, job_id).status == JobStatus.PENDING


def test_run_job_completes_once_and_is_safe_to_run_twice(migrated: Settings) -> None:
    job_id = _enqueue(migrated)
    assert run_job(migrated, job_id, _write_ping) is True
    assert run_job(migrated, job_id, _write_ping) is False
    job = _job(migrated, job_id)
    assert (job.status, job.attempts, _pings(migrated)) == (JobStatus.DONE, 1, 1)


def test_failure_rolls_back_the_effect_and_schedules_a_retry(migrated: Settings) -> None:
    job_id = _enqueue(migrated)

    def write_then_fail(session: Session, job: OutboxJob) -> None:
        _write_ping(session, job)
        session.flush()
        raise TimeoutError("ERP did not answer")

    assert run_job(migrated, job_id, write_then_fail) is False
    job = _job(migrated, job_id)
    assert job.status == JobStatus.PENDING
    assert job.attempts == 1
    assert job.last_error is not None and "ERP did not answer" in job.last_error
    assert job.available_at > utcnow()
    assert _pings(migrated) == 0
    # a stray duplicate message before the backoff has passed does not run it early
    assert run_job(migrated, job_id, _write_ping) is False
    assert _pings(migrated) == 0


def test_out_of_attempts_goes_dead_and_replay_revives(migrated: Settings) -> None:
    settings = migrated.model_copy(update={"outbox_max_attempts": 2, "outbox_backoff_base_seconds": 0.0001})
    job_id = _enqueue(settings)

    def always_fail(_session: Session, _job: OutboxJob) -> None:
        raise ValueError("bad data")

    for _ in range(2):
        with get_database(settings).transaction() as session:
            job = session.get(OutboxJob, job_id)
            assert job is not None
            job.available_at = utcnow() - timedelta(seconds=1)
        run_job(settings, job_id, always_fail)
    assert _job(settings, job_id).status == JobStatus.DEAD
    with get_database(settings).transaction() as session:
        replay(session, job_id)
    assert run_job(settings, job_id, _write_ping) is True
    assert _pings(settings) == 1


def test_replay_refuses_a_job_that_is_not_dead(migrated: Settings) -> None:
    job_id = _enqueue(migrated)
    with pytest.raises(ConflictError), get_database(migrated).transaction() as session:
        replay(session, job_id)


def test_permanent_error_goes_dead_at_once(migrated: Settings) -> None:
    job_id = _enqueue(migrated)

    def reject(_session: Session, _job: OutboxJob) -> None:
        raise PermanentJobError("ERP answered 400: unknown supplier")

    run_job(migrated, job_id, reject)
    job = _job(migrated, job_id)
    assert (job.status, job.attempts) == (JobStatus.DEAD, 1)


def test_repeated_worker_loss_ends_dead_instead_of_looping(migrated: Settings) -> None:
    """A job whose worker dies every time (poison message) is claimed max_attempts times, then dead."""
    settings = migrated.model_copy(update={"outbox_max_attempts": 3})
    job_id = _enqueue(settings)

    def killed(_session: Session, _job: OutboxJob) -> None:
        raise SystemExit("simulated hard kill")  # BaseException: not recorded as a failure

    for _ in range(3):
        with pytest.raises(SystemExit):
            run_job(settings, job_id, killed)
    assert _job(settings, job_id).status == JobStatus.RUNNING
    assert run_job(settings, job_id, _write_ping) is False
    job = _job(settings, job_id)
    assert job.status == JobStatus.DEAD
    assert "gave up after 3 attempts" in (job.last_error or "")


def test_sweeper_makes_quiet_jobs_due_again(migrated: Settings) -> None:
    db = get_database(migrated)
    stale_published, stale_running, fresh = (_enqueue(migrated) for _ in range(3))
    old = utcnow() - timedelta(minutes=10)
    with db.transaction() as session:
        for job_id, status in ((stale_published, JobStatus.PUBLISHED), (stale_running, JobStatus.RUNNING)):
            job = session.get(OutboxJob, job_id)
            assert job is not None
            job.status, job.published_at, job.started_at = status, old, old
        job = session.get(OutboxJob, fresh)
        assert job is not None
        job.status, job.published_at = JobStatus.PUBLISHED, utcnow()
    assert sweep_stale(db, stale_after_seconds=60) == 2
    assert _job(migrated, stale_published).status == JobStatus.PENDING
    assert _job(migrated, stale_running).status == JobStatus.PENDING
    assert _job(migrated, fresh).status == JobStatus.PUBLISHED


def test_correlation_id_follows_the_job(migrated: Settings) -> None:
    token = set_correlation_id("req-123")
    try:
        job_id = _enqueue(migrated)
    finally:
        reset_correlation_id(token)
    seen: list[str | None] = []
    run_job(migrated, job_id, lambda _s, _j: seen.append(get_correlation_id()))
    assert seen == ["req-123"]
    assert get_correlation_id() is None
