"""Optional OpenTelemetry hooks (the ``otel`` extra): one span per HTTP request and one per outbox job, each
carrying the correlation id (``edigw.correlation_id``) that the JSON logs and the outbox rows carry, so a
request, the jobs it queued and their log lines join on one value.

Spans go to whatever tracer provider the process has (by default the API's no-op, so they go nowhere); set
one up the OpenTelemetry way, e.g. ``opentelemetry-instrument`` with ``OTEL_EXPORTER_OTLP_ENDPOINT``.
Without ``opentelemetry-api`` importable this does nothing at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gateway.observability import get_correlation_id

try:
    from opentelemetry import trace as _trace
except ImportError:  # the extra is not installed
    _trace = None  # type: ignore[assignment]

TRACER_NAME = "edigw"
CORRELATION_ATTRIBUTE = "edigw.correlation_id"


class _NoSpan:
    def set_attribute(self, key: str, value: Any) -> None:
        """Nothing to record without OpenTelemetry."""


@contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[Any]:
    """A span named ``name`` around the block, with the current correlation id and ``attributes``."""
    if _trace is None:
        yield _NoSpan()
        return
    values: dict[str, str | int | float | bool] = {CORRELATION_ATTRIBUTE: get_correlation_id() or ""}
    values |= {f"edigw.{key}": value for key, value in attributes.items()}
    with _trace.get_tracer(TRACER_NAME).start_as_current_span(name, attributes=values) as current:
        yield current
