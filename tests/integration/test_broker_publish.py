"""A job published before any worker exists is not lost: the relay declares the durable queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from kombu import Connection

import gateway.worker as worker
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.outbox import celery_publisher, publish_due
from gateway.system.service import request_ping
from tests.integration.processes import isolated_queues

pytestmark = pytest.mark.integration


def test_message_published_before_any_worker_waits_in_its_queue(
    tmp_path: Path, pg_url: str, rabbit_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = Settings(
            data_dir=tmp_path, database_url=pg_url, broker_url=rabbit_url, queue_prefix=prefix
        )
        upgrade(settings)
        monkeypatch.setattr(worker, "celery_app", worker.create_celery(settings))
        db = get_database(settings)
        with db.transaction() as session:
            request_ping(session, settings)
        assert publish_due(db, celery_publisher()) == 1
        with Connection(rabbit_url) as conn:
            _, count, _ = conn.default_channel.queue_declare(settings.queue_name("system"), passive=True)
        assert count == 1
