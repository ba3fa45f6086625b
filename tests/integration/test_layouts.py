"""The two deployment layouts, as real processes: ``edigw serve`` on the embedded default, and the
scaled-out layout (API + relay + two workers) on PostgreSQL and RabbitMQ."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import JobStatus, OutboxJob, SystemPing
from gateway.system.service import request_ping
from tests.conftest import free_port
from tests.integration.processes import Child, gateway_env, isolated_queues, start, wait_until

pytestmark = pytest.mark.integration


def _get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=5)
    except httpx.TransportError:
        return None


def _answers(port: int, path: str, status: int = 200) -> bool:
    response = _get(port, path)
    return response is not None and response.status_code == status


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]


def test_serve_runs_everything_embedded_and_stops_on_ctrl_c(tmp_path: Path, children: list[Child]) -> None:
    settings = Settings(data_dir=tmp_path / "var", http_port=free_port(), sftp_port=free_port())
    supervisor = start("serve", ["serve", "--workers", "2"], settings, tmp_path)
    children.append(supervisor)
    wait_until(lambda: _answers(settings.http_port, "/ready"), 60, "/ready", children)
    assert _get(settings.http_port, "/health").json() == {"status": "ok"}  # type: ignore[union-attr]
    assert (tmp_path / "var" / "gateway.db").exists(), "serve creates the database on first start"

    ping = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "system", "ping", "--wait", "30"],
        env=gateway_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ping.returncode == 0, ping.stderr
    assert json.loads(ping.stdout.splitlines()[-1])["status"] == "done"
    metrics = _get(settings.http_port, "/metrics")
    assert metrics is not None and "edigw_outbox_jobs" in metrics.text

    started = [json.loads(line) for line in supervisor.output().splitlines() if '"child"' in line]
    pids = [entry["pid"] for entry in started]
    assert sorted(entry["child"] for entry in started) == ["api", "relay", "sftp", "worker"]

    supervisor.proc.send_signal(signal.SIGINT)
    assert supervisor.proc.wait(timeout=60) == 0
    assert not [pid for pid in pids if _alive(pid)], "a child outlived the supervisor"
    assert "gateway stopped" in supervisor.output()


def test_scaled_out_layout_on_postgres_and_rabbitmq(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = Settings(
            data_dir=tmp_path / "var",
            database_url=pg_url,
            broker_url=rabbit_url,
            queue_prefix=prefix,
            http_port=free_port(),
        )
        upgrade(settings)
        api = start("api", ["api"], settings, tmp_path)
        workers = [start(f"worker-{n}", ["worker", "--concurrency", "2"], settings, tmp_path) for n in (1, 2)]
        children.extend([api, *workers, start("relay", ["relay"], settings, tmp_path)])
        wait_until(lambda: _answers(settings.http_port, "/ready"), 60, "/ready", children)
        ready = _get(settings.http_port, "/ready")
        assert ready is not None and ready.json()["checks"] == {"database": "ok", "broker": "ok"}

        db = get_database(settings)
        with db.transaction() as session:
            job_ids = [request_ping(session, settings, note=str(n), delay=0.2).id for n in range(40)]

        def all_done() -> bool:
            with db.sessions() as session:
                statuses = session.scalars(select(OutboxJob.status).where(OutboxJob.id.in_(job_ids)))
                return all(status == JobStatus.DONE for status in statuses)

        wait_until(all_done, 120, "40 pings", children)
        with db.sessions() as session:
            rows = list(session.scalars(select(SystemPing)))
        assert sorted(row.job_id for row in rows) == sorted(job_ids)
        pool_pids = {pid for worker in workers for pid in worker.children_pids()}
        ran_on = {row.worker_pid for row in rows}
        assert ran_on <= pool_pids
        assert len(ran_on) > 1, "the work should spread over the worker processes"
