"""Business KPIs from the operating questions, read from the database: how long suppliers take to
acknowledge our POs, how late ship notices arrive after the goods left, which exceptions are open and for
how long, and how often someone had to step in. Shown on the dashboard and exported as Prometheus gauges.

Every figure covers a window (``WINDOW_DAYS``) and a bounded number of rows, so a scrape stays cheap.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from gateway.console.schemas import Count, DayCount, Distribution, ExceptionCount, Kpis
from gateway.documents.reconciliation import overdue_acks
from gateway.models import JobStatus, OutboxJob
from gateway.models.auth import AuditEvent
from gateway.models.exchange import Direction, Document, Exchange, ExchangeStatus
from gateway.models.partner import Partner
from gateway.models.reconciliation import Reconciliation, ReconciliationStatus
from gateway.outbound.service import overdue_mdns

WINDOW_DAYS = 30
TREND_DAYS = 14
MAX_ROWS = 20_000
INTERVENTIONS = ("exchange.resend", "job.replay", "erp.redeliver")
"""Audit actions that are a person fixing something by hand."""
AGES = ((timedelta(hours=1), "<1h"), (timedelta(days=1), "1h-1d"), (timedelta(days=7), "1d-7d"))
OLDEST_AGE = ">7d"
OPEN_EXCHANGE_STATUSES = {
    ExchangeStatus.FAILED: "exchange_failed",
    ExchangeStatus.REJECTED: "exchange_rejected",
    ExchangeStatus.PARTIAL: "exchange_partial",
}


def quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def distributions(samples: Iterable[tuple[str, float]]) -> list[Distribution]:
    by_partner: dict[str, list[float]] = defaultdict(list)
    for partner, seconds in samples:
        by_partner[partner].append(seconds)
    out = []
    for partner, values in sorted(by_partner.items()):
        values.sort()
        out.append(Distribution(partner, len(values), quantile(values, 0.5), quantile(values, 0.9)))
    return out


def po_ack_cycle(session: Session, since: datetime) -> list[Distribution]:
    """Per supplier: seconds from the PO (sent or received) to the 855/ORDRSP that answers it."""
    answer, po = aliased(Document), aliased(Document)
    rows = session.execute(
        select(Partner.code, answer.created_at, po.created_at)
        .select_from(Reconciliation)
        .join(answer, answer.id == Reconciliation.document_id)
        .join(po, po.id == Reconciliation.po_document_id)
        .join(Partner, Partner.id == Reconciliation.partner_id)
        .where(answer.kind == "acknowledgement", answer.created_at >= since)
        .limit(MAX_ROWS)
    ).all()
    return distributions((code, max(0.0, (acked - ordered).total_seconds())) for code, acked, ordered in rows)


def ship_moment(canonical: dict[str, Any]) -> datetime | None:
    """When the goods left: the ship notice's ``shipped`` date (and time), else its notice date; a date
    without a time counts from 00:00 UTC."""
    dates = [d for d in canonical.get("dates", []) if d.get("kind") == "shipped"]
    source = (
        dates[0] if dates else {"date": canonical.get("notice_date"), "time": canonical.get("notice_time")}
    )
    day, clock = source.get("date"), source.get("time")
    if not isinstance(day, str) or not day:
        return None
    moment = time.fromisoformat(clock) if isinstance(clock, str) and clock else time(0)
    return datetime.combine(date.fromisoformat(day), moment.replace(tzinfo=None), tzinfo=UTC)


def asn_latency(session: Session, since: datetime) -> list[Distribution]:
    """Per supplier: seconds from the ship date of an 856/DESADV to its receipt here."""
    rows = session.execute(
        select(Partner.code, Document.created_at, Document.canonical)
        .join(Partner, Partner.id == Document.partner_id)
        .where(
            Document.kind == "ship_notice",
            Document.direction == Direction.INBOUND,
            Document.created_at >= since,
        )
        .limit(MAX_ROWS)
    ).all()
    samples = []
    for code, received, canonical in rows:
        shipped = ship_moment(canonical)
        if shipped is not None:
            samples.append((code, max(0.0, (received - shipped).total_seconds())))
    return distributions(samples)


def age_label(age: timedelta) -> str:
    return next((label for limit, label in AGES if age < limit), OLDEST_AGE)


def _parsed(value: Any, fallback: datetime) -> datetime:
    if not isinstance(value, str) or not value:
        return fallback
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age_bucket(column: Any, now: datetime) -> Any:
    """``age_label`` computed by the database for a timestamp column (ages from ``now``)."""
    return case(*((column > now - limit, label) for limit, label in AGES), else_=OLDEST_AGE)


def _counted(
    session: Session, kind: Any, moment: Any, now: datetime, *where: Any
) -> list[tuple[Any, str, int]]:
    bucket = age_bucket(moment, now)
    rows = session.execute(select(kind, bucket, func.count()).where(*where).group_by(kind, bucket)).all()
    return [(k, str(age), int(n)) for k, age, n in rows]


def open_exceptions(session: Session, now: datetime, since: datetime) -> list[ExceptionCount]:
    """Exceptions open now, by type and age: failed/rejected/partial exchanges (of the window), dead jobs,
    overdue MDNs and functional acks, reconciliations with deviations or without their PO. The database
    groups the large sets; the overdue lists are bounded by their own queries."""
    counts: Counter[tuple[str, str]] = Counter()
    for status, age, n in _counted(
        session, Exchange.status, Exchange.received_at, now,
        Exchange.status.in_(OPEN_EXCHANGE_STATUSES), Exchange.received_at >= since,
    ):  # fmt: skip
        counts[(OPEN_EXCHANGE_STATUSES[status], age)] += n
    dead_at = func.coalesce(OutboxJob.finished_at, OutboxJob.created_at)
    for _status, age, n in _counted(
        session, OutboxJob.status, dead_at, now, OutboxJob.status == JobStatus.DEAD
    ):
        counts[("job_dead", age)] += n
    for e in overdue_mdns(session, now):
        counts[("mdn_overdue", age_label(now - _parsed(e.meta.get("mdn_due_at"), e.received_at)))] += 1
    for e in overdue_acks(session, now):
        counts[("ack_overdue", age_label(now - _parsed(e.meta.get("sent_at"), e.received_at)))] += 1
    open_statuses = (ReconciliationStatus.DEVIATIONS, ReconciliationStatus.UNMATCHED)
    for status, age, n in _counted(
        session, Reconciliation.status, Reconciliation.created_at, now,
        Reconciliation.status.in_(open_statuses), Reconciliation.created_at >= since,
    ):  # fmt: skip
        counts[(f"reconciliation_{status.value}", age)] += n
    return [ExceptionCount(kind, age, n) for (kind, age), n in sorted(counts.items())]


def interventions(session: Session, since: datetime) -> list[Count]:
    rows = session.execute(
        select(AuditEvent.action, func.count())
        .where(AuditEvent.action.in_(INTERVENTIONS), AuditEvent.at >= since)
        .group_by(AuditEvent.action)
        .order_by(AuditEvent.action)
    ).all()
    return [Count((action,), n) for action, n in rows]


def _days(now: datetime, days: int) -> list[date]:
    today = now.astimezone(UTC).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def per_day(moments: Iterable[tuple[str, datetime]], now: datetime, days: int) -> list[DayCount]:
    """Counts per UTC day and series over the last ``days`` days, zeros included."""
    counts = Counter((series, at.astimezone(UTC).date()) for series, at in moments)
    names = sorted({series for series, _ in counts}) or [""]
    return [
        DayCount(day, series, counts.get((series, day), 0)) for series in names for day in _days(now, days)
    ]


def interventions_by_day(session: Session, now: datetime, days: int = TREND_DAYS) -> list[DayCount]:
    since = datetime.combine(_days(now, days)[0], time(0), tzinfo=UTC)
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.at)
        .where(AuditEvent.action.in_(INTERVENTIONS), AuditEvent.at >= since)
        .limit(MAX_ROWS)
    ).all()
    return per_day(((action, at) for action, at in rows), now, days)


def messages_by_day(session: Session, now: datetime, days: int = TREND_DAYS) -> list[DayCount]:
    """Exchanges received (inbound) and created (outbound) per UTC day: the dashboard's trend chart. One
    grouped query with a sum per day: the database counts, only ``days`` numbers per direction return."""
    midnights = [datetime.combine(day, time(0), tzinfo=UTC) for day in _days(now, days)]
    bounds = [*midnights, midnights[-1] + timedelta(days=1)]
    per_day_sums = [
        func.sum(case((and_(Exchange.received_at >= start, Exchange.received_at < end), 1), else_=0))
        for start, end in itertools.pairwise(bounds)
    ]
    rows = session.execute(
        select(Exchange.direction, *per_day_sums)
        .where(Exchange.received_at >= bounds[0])
        .group_by(Exchange.direction)
    ).all()
    counts = {row[0].value: [int(n or 0) for n in row[1:]] for row in rows}
    return [
        DayCount(day, direction.value, counts.get(direction.value, [0] * days)[i])
        for direction in Direction
        for i, day in enumerate(_days(now, days))
    ]


def compute(session: Session, now: datetime, window_days: int = WINDOW_DAYS) -> Kpis:
    since = now - timedelta(days=window_days)
    return Kpis(
        window_days=window_days,
        po_ack_cycle=po_ack_cycle(session, since),
        asn_latency=asn_latency(session, since),
        exceptions=open_exceptions(session, now, since),
        interventions=interventions(session, since),
        interventions_by_day=interventions_by_day(session, now),
    )
