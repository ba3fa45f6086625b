"""Real worker processes on real brokers: a job is processed exactly once even when its worker is
SIGKILLed mid-task, its message is lost, or it is delivered twice (DESIGN.md §4)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import JobStatus, OutboxJob, SystemPing
from gateway.system.service import request_ping
from gateway.worker import create_celery
from tests.integration.processes import Child, isolated_queues, start, wait_until

pytestmark = pytest.mark.integration


def _settings(tmp_path: Path, database_url: str | None, broker_url: str | None, prefix: str) -> Settings:
    settings = Settings(
        data_dir=tmp_path / "var",
        database_url=database_url,
        broker_url=broker_url,
        queue_prefix=prefix,
        outbox_stale_after_seconds=300,
    )
    upgrade(settings)
    return settings


def _ping(settings: Settings, delay: float = 0.0) -> int:
    with get_database(settings).transaction() as session:
        return request_ping(session, settings, note="fault test", delay=delay).id


def _job(settings: Settings, job_id: int) -> OutboxJob:
    with get_database(settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        return job


def _ping_rows(settings: Settings, job_id: int) -> list[SystemPing]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(SystemPing).where(SystemPing.job_id == job_id)))


def _status_is(settings: Settings, job_id: int, status: JobStatus) -> bool:
    return _job(settings, job_id).status == status


def test_sigkilled_worker_mid_task_loses_nothing_and_doubles_nothing(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = _settings(tmp_path, pg_url, rabbit_url, prefix)
        children.append(start("relay", ["relay"], settings, tmp_path))
        worker = start("worker-1", ["worker", "--concurrency", "1"], settings, tmp_path)
        children.append(worker)
        job_id = _ping(settings, delay=6)
        wait_until(lambda: _status_is(settings, job_id, JobStatus.RUNNING), 60, "the task to start", children)

        worker.kill_group(signal.SIGKILL)  # main process and pool child die mid-transaction

        assert _ping_rows(settings, job_id) == []
        assert _job(settings, job_id).status == JobStatus.RUNNING
        children.append(start("worker-2", ["worker", "--concurrency", "1"], settings, tmp_path))
        wait_until(lambda: _status_is(settings, job_id, JobStatus.DONE), 60, "the redelivered task", children)
        assert len(_ping_rows(settings, job_id)) == 1
        assert _job(settings, job_id).attempts == 2


def test_sigkilled_pool_child_is_requeued_by_the_surviving_worker(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = _settings(tmp_path, pg_url, rabbit_url, prefix)
        children.append(start("relay", ["relay"], settings, tmp_path))
        worker = start("worker", ["worker", "--concurrency", "1"], settings, tmp_path)
        children.append(worker)
        job_id = _ping(settings, delay=6)
        wait_until(lambda: _status_is(settings, job_id, JobStatus.RUNNING), 60, "the task to start", children)

        pool_children = worker.children_pids()
        assert pool_children, "the worker has no pool process"
        for pid in pool_children:
            os.kill(pid, signal.SIGKILL)

        wait_until(lambda: _status_is(settings, job_id, JobStatus.DONE), 60, "the requeued task", children)
        assert len(_ping_rows(settings, job_id)) == 1
        assert _job(settings, job_id).attempts == 2
        assert worker.proc.poll() is None, "the worker main process should survive its child's death"


def test_message_delivered_twice_runs_once(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = _settings(tmp_path, pg_url, rabbit_url, prefix)
        worker = start("worker", ["worker", "--concurrency", "2"], settings, tmp_path)
        children.append(worker)
        job_id = _ping(settings, delay=2)
        app = create_celery(settings)
        queue = settings.queue_name("system")
        for _ in range(2):  # as a relay that crashed before recording the publish would do
            app.send_task("system.ping", args=[job_id], exchange=queue, routing_key=queue)
        wait_until(lambda: _status_is(settings, job_id, JobStatus.DONE), 60, "the task", children)
        wait_until(lambda: worker.output().count("succeeded in") == 2, 30, "both deliveries", children)
        assert len(_ping_rows(settings, job_id)) == 1
        assert _job(settings, job_id).status == JobStatus.DONE


def test_lost_message_on_the_embedded_broker_is_swept_and_run(tmp_path: Path, children: list[Child]) -> None:
    """The filesystem broker forgets a message whose worker died; the outbox sweeper publishes it again."""
    settings = _settings(tmp_path, None, None, "")
    settings = settings.model_copy(update={"outbox_stale_after_seconds": 8.0})
    settings.broker_folder.joinpath("control").mkdir(parents=True, exist_ok=True)
    children.append(start("relay", ["relay"], settings, tmp_path))
    worker = start("worker-1", ["worker", "--concurrency", "1"], settings, tmp_path)
    children.append(worker)
    job_id = _ping(settings, delay=4)
    wait_until(lambda: _status_is(settings, job_id, JobStatus.RUNNING), 60, "the task to start", children)

    worker.kill_group(signal.SIGKILL)

    children.append(start("worker-2", ["worker", "--concurrency", "1"], settings, tmp_path))
    wait_until(lambda: _status_is(settings, job_id, JobStatus.DONE), 60, "the swept task", children)
    job = _job(settings, job_id)
    assert len(_ping_rows(settings, job_id)) == 1
    assert job.publish_count >= 2


def test_redis_broker_runs_jobs(tmp_path: Path, pg_url: str, redis_url: str, children: list[Child]) -> None:
    with isolated_queues(redis_url) as prefix:
        settings = _settings(tmp_path, pg_url, redis_url, prefix)
        children.append(start("relay", ["relay"], settings, tmp_path))
        children.append(start("worker", ["worker", "--concurrency", "1"], settings, tmp_path))
        job_ids = [_ping(settings) for _ in range(5)]
        for job_id in job_ids:
            wait_until(lambda j=job_id: _status_is(settings, j, JobStatus.DONE), 60, "redis job", children)
        with get_database(settings).sessions() as session:
            assert session.scalar(select(func.count()).select_from(SystemPing)) == 5
