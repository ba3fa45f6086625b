"""The Celery settings the reliability of DESIGN.md §4 rests on, for the production broker."""

from __future__ import annotations

from pathlib import Path

from gateway.config import Settings
from gateway.worker import create_celery


def test_a_worker_on_rabbitmq_reconnects_for_as_long_as_the_broker_is_away(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", broker_url="amqp://guest:guest@127.0.0.1:5672//")
    conf = create_celery(settings).conf
    assert conf.broker_connection_retry is True
    assert conf.broker_connection_max_retries is None  # Celery's default of 100 ends the worker
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
