"""Prometheus metrics: HTTP traffic of this process and outbox state read from the database at scrape."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from gateway.db import Database
from gateway.models import JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.models.certificate import Certificate
from gateway.outbox import oldest_due_age_seconds


class OutboxCollector(Collector):
    """Jobs per status and task, and the age of the oldest due job (relay lag)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        jobs = GaugeMetricFamily(
            "edigw_outbox_jobs", "Outbox jobs by status and task", labels=["status", "task"]
        )
        lag = GaugeMetricFamily("edigw_outbox_oldest_due_seconds", "Age of the oldest job waiting to publish")
        with self.db.sessions() as session:
            rows = session.execute(
                select(OutboxJob.status, OutboxJob.task, func.count())
                .where(OutboxJob.status != JobStatus.DONE)
                .group_by(OutboxJob.status, OutboxJob.task)
            ).all()
            for status, task, count in rows:
                jobs.add_metric([status.value, task], float(count))
            lag.add_metric([], oldest_due_age_seconds(session))
        yield jobs
        yield lag


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "edigw_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "edigw_http_request_seconds", "HTTP request latency", ["method", "route"], registry=registry
        )


class CertificateExpiryCollector(Collector):
    """Seconds until each enabled certificate expires (negative once expired), by owner."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "edigw_certificate_expiry_seconds",
            "Seconds until the certificate expires",
            labels=["owner", "owner_id", "fingerprint", "subject"],
        )
        now = utcnow()
        with self.db.sessions() as session:
            rows = session.execute(
                select(
                    Certificate.partner_id,
                    Certificate.station_id,
                    Certificate.fingerprint_sha256,
                    Certificate.info["subject"].as_string(),
                    Certificate.not_after,
                ).where(Certificate.enabled.is_(True))
            ).all()
        for partner_id, station_id, fingerprint, subject, not_after in rows:
            owner = ("partner", partner_id) if partner_id is not None else ("station", station_id)
            labels = [owner[0], str(owner[1]), fingerprint[:16], subject or ""]
            gauge.add_metric(labels, (not_after - now).total_seconds())
        yield gauge
