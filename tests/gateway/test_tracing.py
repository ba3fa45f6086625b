"""OpenTelemetry hooks (the ``otel`` extra): a span per HTTP request and per outbox job, each carrying the
correlation id that the logs and the outbox row carry, recorded by a real SDK tracer provider."""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.config import Settings
from gateway.db import get_database
from gateway.observability import reset_correlation_id, set_correlation_id
from gateway.outbox import enqueue, run_job
from gateway.system.tasks import record_ping
from gateway.tracing import CORRELATION_ATTRIBUTE
from tests.conftest import require_available


@functools.cache
def _recorder() -> Any:
    """One SDK tracer provider for the process, with a processor that keeps spans only while a test asks."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider

    class Recorder(SpanProcessor):
        def __init__(self) -> None:
            self.on = False
            self.spans: list[ReadableSpan] = []

        def on_end(self, span: ReadableSpan) -> None:
            if self.on:
                self.spans.append(span)

    provider = TracerProvider()
    recorder = Recorder()
    provider.add_span_processor(recorder)
    trace.set_tracer_provider(provider)
    return recorder


@pytest.fixture
def spans() -> Iterator[list[Any]]:
    require_available(
        importlib.util.find_spec("opentelemetry.sdk"),
        "opentelemetry-sdk is not installed (the dev extra has it)",
    )
    recorder = _recorder()
    recorder.spans.clear()
    recorder.on = True
    try:
        yield recorder.spans
    finally:
        recorder.on = False
        recorder.spans.clear()


def test_a_request_is_a_span_with_its_correlation_id(migrated: Settings, spans: list[Any]) -> None:
    with TestClient(create_app(migrated)) as client:
        response = client.get("/health", headers={"X-Correlation-ID": "trace-me-1"})
    assert response.headers["X-Correlation-ID"] == "trace-me-1"
    [span] = [s for s in spans if s.name == "HTTP GET"]
    assert span.attributes[CORRELATION_ATTRIBUTE] == "trace-me-1"
    assert span.attributes["http.route"] == "/health"
    assert span.attributes["http.response.status_code"] == 200


def test_an_outbox_job_is_a_span_with_the_correlation_id_of_the_request_that_queued_it(
    migrated: Settings, spans: list[Any]
) -> None:
    token = set_correlation_id("queued-by-request-7")
    try:
        with get_database(migrated).transaction() as session:
            job = enqueue(session, migrated, "system.ping")
            session.flush()
            job_id = job.id
    finally:
        reset_correlation_id(token)
    assert run_job(migrated, job_id, record_ping)
    [span] = [s for s in spans if s.name == "outbox job"]
    assert span.attributes[CORRELATION_ATTRIBUTE] == "queued-by-request-7"
    assert span.attributes["edigw.job_id"] == job_id
    assert span.attributes["edigw.attempt"] == 1
