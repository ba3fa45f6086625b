"""Probes, metrics, correlation ids and the request size limit of the HTTP app."""

from __future__ import annotations

import json
import logging
import shutil

from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.db import get_database
from gateway.observability import JsonFormatter, reset_correlation_id, set_correlation_id
from gateway.system.service import request_ping


def _client(settings: Settings) -> TestClient:
    settings.broker_folder.mkdir(parents=True, exist_ok=True)
    return TestClient(create_app(settings))


def test_health_and_ready(migrated: Settings) -> None:
    client = _client(migrated)
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_ready_is_503_when_the_broker_is_gone(migrated: Settings) -> None:
    client = _client(migrated)
    shutil.rmtree(migrated.broker_folder)
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("embedded broker folder")


def test_ready_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    broken = settings.model_copy(update={"database_url": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    ready = _client(broken).get("/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"].startswith("unreachable")


def test_metrics_expose_http_and_outbox_state(migrated: Settings) -> None:
    with get_database(migrated).transaction() as session:
        request_ping(session, migrated)
    client = _client(migrated)
    client.get("/health")
    text = client.get("/metrics").text
    assert 'edigw_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert 'edigw_outbox_jobs{status="pending",task="system.ping"} 1.0' in text
    assert "edigw_outbox_oldest_due_seconds" in text


def test_correlation_id_is_echoed_or_created(migrated: Settings) -> None:
    client = _client(migrated)
    assert client.get("/health", headers={"X-Correlation-ID": "abc"}).headers["X-Correlation-ID"] == "abc"
    assert len(client.get("/health").headers["X-Correlation-ID"]) == 32


def test_oversized_request_is_refused_before_reading(migrated: Settings) -> None:
    client = _client(migrated.model_copy(update={"max_request_bytes": 2048}))
    response = client.post("/health", content=b"x" * 4096)
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_json_log_lines_carry_the_correlation_id_and_extras() -> None:
    record = logging.LogRecord("edigw.test", logging.INFO, __file__, 1, "job %s done", (7,), None)
    record.job_id = 7
    token = set_correlation_id("cid-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        reset_correlation_id(token)
    assert line["msg"] == "job 7 done"
    assert line["correlation_id"] == "cid-1"
    assert line["job_id"] == 7
    assert line["level"] == "INFO"
