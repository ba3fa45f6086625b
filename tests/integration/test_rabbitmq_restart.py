"""The production broker restarted mid-flight with real processes: RabbitMQ's application is stopped with
``rabbitmqctl stop_app`` and started again while relay and worker processes move a burst of POs from
PostgreSQL to the ERP (the SQL staging connector into a PostgreSQL database of the ERP's, whose unique
delivery key is the ERP-side idempotency boundary). Both processes must reconnect on their own, and every
PO reaches the ERP exactly once: nothing lost, nothing duplicated (DESIGN.md §4).

RabbitMQ is shared with the rest of the suite: it is started again in a ``finally`` and the test waits
until it accepts connections before it ends."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from kombu import Connection
from pydantic import SecretStr
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import Exchange, ExchangeStatus, JobStatus, OutboxJob
from gateway.onboarding.service import create_partner
from tests.conftest import require_available
from tests.gateway.edi_samples import x12_partner
from tests.integration.processes import (
    Child,
    accept_purchase_orders,
    erp_jobs,
    isolated_queues,
    staged_pos,
    start_relay_and_worker,
    wait_until,
)

pytestmark = pytest.mark.integration

DOCUMENTS = 24
ACCEPTED_WHILE_DOWN = 6
BROKER_DOWN_SECONDS = 3.0
RECONNECTED = "Connected to amqp://"
"""What a Celery worker logs each time its consumer (re)connects to RabbitMQ."""
PUBLISH_FAILED = "outbox relay iteration failed"


def _rabbitmqctl(binary: str, command: str) -> None:
    subprocess.run([binary, command], check=True, capture_output=True, timeout=120)


def _wait_for_broker(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with Connection(url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1)
                conn.default_channel  # noqa: B018 - opening a channel proves the broker serves clients
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _unfinished(settings: Settings) -> list[tuple[str, JobStatus]]:
    with get_database(settings).sessions() as session:
        query = select(OutboxJob.task, OutboxJob.status).where(OutboxJob.status != JobStatus.DONE)
        return [(task, status) for task, status in session.execute(query)]


@contextmanager
def stopped_rabbitmq(url: str) -> Iterator[None]:
    """RabbitMQ's application stopped for the duration of the block (the node stays up, as in a
    rolling restart); started again whatever happens, and serving clients before the block is left."""
    binary = shutil.which("rabbitmqctl")
    require_available(binary, "rabbitmqctl is not installed (it restarts the local RabbitMQ)")
    assert binary is not None
    try:
        _rabbitmqctl(binary, "stop_app")
        yield
    finally:
        _rabbitmqctl(binary, "start_app")
        _wait_for_broker(url)


def test_a_rabbitmq_restart_mid_flight_loses_and_doubles_nothing(
    tmp_path: Path, pg_url: str, staging_pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = Settings(
            data_dir=tmp_path / "var",
            database_url=pg_url,
            broker_url=rabbit_url,
            queue_prefix=prefix,
            erp_connector="sql",
            erp_staging_url=SecretStr(staging_pg_url),
            outbox_stale_after_seconds=8,
            outbox_backoff_base_seconds=0.5,
        )
        upgrade(settings)
        with get_database(settings).transaction() as session:
            partner_id = create_partner(session, x12_partner()).id
        relay, worker = start_relay_and_worker(settings, tmp_path, children)
        wait_until(lambda: RECONNECTED in worker.output(), 60, "the worker to connect", children)
        expected = accept_purchase_orders(settings, partner_id, DOCUMENTS)
        wait_until(lambda: len(staged_pos(staging_pg_url)) >= 1, 60, "the first PO at the ERP", children)

        with stopped_rabbitmq(rabbit_url):
            at_the_erp = len(staged_pos(staging_pg_url))
            down_since = time.monotonic()
            # the gateway keeps accepting while the broker is away: these jobs wait in the outbox
            expected += accept_purchase_orders(settings, partner_id, ACCEPTED_WHILE_DOWN, first=DOCUMENTS)
            wait_until(
                lambda: PUBLISH_FAILED in relay.output(), 30, "the relay to hit the stopped broker", children
            )
            time.sleep(max(0.0, BROKER_DOWN_SECONDS - (time.monotonic() - down_since)))
        assert at_the_erp < DOCUMENTS, "the restart must come mid-flight"

        wait_until(
            lambda: sorted(staged_pos(staging_pg_url)) == expected, 90, "every PO at the ERP", children
        )
        wait_until(lambda: _unfinished(settings) == [], 30, "every job done (the sweeper included)", children)

        staged = staged_pos(staging_pg_url)
        assert sorted(staged) == expected, "each PO exactly once at the ERP"
        assert len(erp_jobs(settings)) == DOCUMENTS + ACCEPTED_WHILE_DOWN
        with get_database(settings).sessions() as session:
            statuses = set(session.scalars(select(Exchange.status).where(Exchange.direction == "inbound")))
            dead = session.scalars(select(OutboxJob.task).where(OutboxJob.status == JobStatus.DEAD)).all()

        assert statuses == {ExchangeStatus.PROCESSED}
        assert dead == []
        assert relay.proc.poll() is None, "the relay must survive the broker restart"
        assert worker.proc.poll() is None, "the worker must survive the broker restart"
        assert worker.output().count(RECONNECTED) >= 2, "the worker reconnected after the restart"
