"""The broker restarted mid-flight with real processes: a Redis broker of the test's own (no persistence,
so every queued message is lost with it), PostgreSQL, relay and worker processes, and the SQL staging
connector into a PostgreSQL database of the ERP's, whose unique delivery key is the ERP-side idempotency
boundary. Every PO reaches the ERP exactly once: nothing lost, nothing duplicated (DESIGN.md §4)."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import Exchange, ExchangeStatus, JobStatus, OutboxJob
from gateway.onboarding.service import create_partner
from tests.conftest import free_port, require_available
from tests.gateway.edi_samples import x12_partner
from tests.integration.processes import (
    Child,
    accept_purchase_orders,
    erp_jobs,
    staged_pos,
    start_relay_and_worker,
    wait_until,
)

pytestmark = pytest.mark.integration

DOCUMENTS = 24


@contextmanager
def redis_server(port: int, folder: Path) -> Iterator[Callable[[float], None]]:
    """A Redis of our own on ``port``, without persistence; yields a function that kills it (as a crash
    would), waits ``seconds`` and starts it again on the same port."""
    binary = shutil.which("redis-server")
    require_available(binary, "redis-server is not installed")
    assert binary is not None
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    args += ["--dir", str(folder)]
    log = (folder / "redis.log").open("ab")
    procs = [subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)]
    _wait_for_port(port)

    def restart(seconds: float) -> None:
        procs[-1].send_signal(signal.SIGKILL)
        procs[-1].wait(timeout=10)
        time.sleep(seconds)
        procs.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        _wait_for_port(port)

    try:
        yield restart
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        log.close()


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"redis did not listen on {port}")


def test_a_broker_restart_mid_flight_loses_and_doubles_nothing(
    tmp_path: Path, pg_url: str, staging_pg_url: str, children: list[Child]
) -> None:
    port = free_port()
    with redis_server(port, tmp_path) as restart_broker:
        settings = Settings(
            data_dir=tmp_path / "var",
            database_url=pg_url,
            broker_url=f"redis://127.0.0.1:{port}/0",
            erp_connector="sql",
            erp_staging_url=SecretStr(staging_pg_url),
            outbox_stale_after_seconds=8,
            outbox_backoff_base_seconds=0.5,
        )
        upgrade(settings)
        with get_database(settings).transaction() as session:
            partner_id = create_partner(session, x12_partner()).id
        start_relay_and_worker(settings, tmp_path, children)
        expected = accept_purchase_orders(settings, partner_id, DOCUMENTS)
        wait_until(lambda: len(staged_pos(staging_pg_url)) >= 1, 90, "the first PO at the ERP", children)

        before = len(staged_pos(staging_pg_url))
        restart_broker(3.0)  # every queued and unacknowledged message is gone with it
        assert before < DOCUMENTS, "the restart must come mid-flight"

        wait_until(
            lambda: sorted(staged_pos(staging_pg_url)) == expected, 180, "every PO at the ERP", children
        )
        wait_until(lambda: set(erp_jobs(settings)) == {JobStatus.DONE}, 60, "every ERP job done", children)

    staged = staged_pos(staging_pg_url)
    assert sorted(staged) == expected, "each PO exactly once at the ERP"
    assert len(erp_jobs(settings)) == DOCUMENTS
    with get_database(settings).sessions() as session:
        statuses = set(session.scalars(select(Exchange.status).where(Exchange.direction == "inbound")))
        dead = session.scalars(select(OutboxJob.task).where(OutboxJob.status == JobStatus.DEAD)).all()
        republished = session.scalars(select(OutboxJob.id).where(OutboxJob.publish_count > 1)).all()
    assert statuses == {ExchangeStatus.PROCESSED}
    assert dead == []
    assert republished, "messages lost with the broker were published again by the sweeper"
