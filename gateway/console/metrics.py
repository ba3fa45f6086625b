"""Prometheus gauges read from the database at scrape time: the business KPIs of the dashboard (last
``kpis.WINDOW_DAYS`` days) and the last day's activity (AS2 by disposition, translations, ERP delivery
latency, queue depth). Windows keep each scrape bounded; the gauges say what the window holds now."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.console import kpis
from gateway.console.schemas import Distribution
from gateway.console.service import QUEUED_STATUSES
from gateway.db import Database
from gateway.models import JobStatus, OutboxJob
from gateway.models.archive import ArchiveRecord
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Document, ErpDelivery, Exchange

DAY = timedelta(days=1)
QUANTILES = (("0.5", "p50"), ("0.9", "p90"))


def _distribution(name: str, help_text: str, rows: list[Distribution]) -> Iterator[GaugeMetricFamily]:
    seconds = GaugeMetricFamily(f"{name}_seconds", help_text, labels=["partner", "quantile"])
    count = GaugeMetricFamily(f"{name}_count", f"{help_text}: how many in the window", labels=["partner"])
    for row in rows:
        for label, field in QUANTILES:
            seconds.add_metric([row.partner, label], getattr(row, field))
        count.add_metric([row.partner], float(row.count))
    yield seconds
    yield count


class KpiCollector(Collector):
    """PO acknowledgement cycle time and ASN latency per supplier, open exceptions by type and age,
    manual interventions by action."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.db.sessions() as session:
            found = kpis.compute(session, utcnow())
        window = f"last {found.window_days} days"
        yield from _distribution(
            "edigw_kpi_po_ack_cycle", f"PO to 855/ORDRSP per supplier, {window}", found.po_ack_cycle
        )
        yield from _distribution(
            "edigw_kpi_asn_latency",
            f"Ship date to 856/DESADV receipt per supplier, {window}",
            found.asn_latency,
        )
        exceptions = GaugeMetricFamily(
            "edigw_kpi_exceptions", "Open exceptions by type and age", labels=["type", "age"]
        )
        for row in found.exceptions:
            exceptions.add_metric([row.type, row.age], float(row.n))
        yield exceptions
        manual = GaugeMetricFamily(
            "edigw_kpi_manual_interventions",
            f"Resends, replays and redeliveries, {window}",
            labels=["action"],
        )
        for count in found.interventions:
            manual.add_metric([count.labels[0]], float(count.n))
        yield manual


def as2_by_disposition(session: Session, since: datetime) -> list[tuple[str, str, int]]:
    """AS2 messages since ``since`` by direction and MDN disposition (refused ones included)."""
    disposition = func.coalesce(Exchange.meta["mdn"]["disposition"].as_string(), "none")
    rows = session.execute(
        select(Exchange.direction, disposition, func.count())
        .where(Exchange.transport == "as2", Exchange.received_at >= since)
        .group_by(Exchange.direction, disposition)
    ).all()
    found = [(direction.value, str(text), n) for direction, text, n in rows]
    refused = func.coalesce(ArchiveRecord.meta["disposition"].as_string(), "unknown")
    refusals = session.execute(
        select(refused, func.count())
        .where(ArchiveRecord.kind == "as2-refused", ArchiveRecord.created_at >= since)
        .group_by(refused)
    ).all()
    return found + [(Direction.INBOUND.value, str(text), n) for text, n in refusals]


def erp_latencies(session: Session, since: datetime) -> list[float]:
    rows = session.execute(
        select(ErpDelivery.finished_at, Document.created_at)
        .join(Document, Document.id == ErpDelivery.document_id)
        .where(ErpDelivery.outcome == "delivered", ErpDelivery.finished_at >= since)
        .limit(kpis.MAX_ROWS)
    ).all()
    return sorted(max(0.0, (done - stored).total_seconds()) for done, stored in rows if done is not None)


class ActivityCollector(Collector):
    """The last day's traffic and the queues now."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        since = utcnow() - DAY
        as2 = GaugeMetricFamily(
            "edigw_as2_messages_last_day",
            "AS2 messages by MDN disposition",
            labels=["direction", "disposition"],
        )
        translations = GaugeMetricFamily(
            "edigw_translations_last_day", "Inbound exchanges translated, by outcome", labels=["status"]
        )
        erp = GaugeMetricFamily(
            "edigw_erp_delivery_latency_seconds", "Document stored to ERP delivered", labels=["quantile"]
        )
        erp_outcomes = GaugeMetricFamily(
            "edigw_erp_deliveries_last_day", "ERP delivery attempts by outcome", labels=["outcome"]
        )
        depth = GaugeMetricFamily(
            "edigw_queue_depth", "Outbox jobs waiting or running per queue", labels=["queue"]
        )
        with self.db.sessions() as session:
            for direction, disposition, n in as2_by_disposition(session, since):
                as2.add_metric([direction, disposition], float(n))
            for status, n in session.execute(
                select(Exchange.status, func.count())
                .where(Exchange.direction == Direction.INBOUND, Exchange.processed_at >= since)
                .group_by(Exchange.status)
            ).all():
                translations.add_metric([status.value], float(n))
            latencies = erp_latencies(session, since)
            for outcome, n in session.execute(
                select(ErpDelivery.outcome, func.count())
                .where(ErpDelivery.finished_at >= since)
                .group_by(ErpDelivery.outcome)
            ).all():
                erp_outcomes.add_metric([outcome], float(n))
            for queue, n in session.execute(
                select(OutboxJob.queue, func.count())
                .where(OutboxJob.status.in_(QUEUED_STATUSES))
                .group_by(OutboxJob.queue)
            ).all():
                depth.add_metric([queue], float(n))
            dead = session.scalar(select(func.count()).where(OutboxJob.status == JobStatus.DEAD)) or 0
        for label, q in (("0.5", 0.5), ("0.9", 0.9)):
            erp.add_metric([label], kpis.quantile(latencies, q))
        dead_letters = GaugeMetricFamily("edigw_dead_letters", "Outbox jobs out of attempts")
        dead_letters.add_metric([], float(dead))
        yield from (as2, translations, erp, erp_outcomes, depth, dead_letters)
