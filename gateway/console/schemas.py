"""View models of the console pages (plain frozen dataclasses; never the ORM classes themselves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Count:
    """One row of a grouped count, e.g. partner + direction + status -> n."""

    labels: tuple[str, ...]
    n: int


@dataclass(frozen=True)
class Step:
    """One stage of an exchange's life, with when it happened and how long after the first stage."""

    name: str
    at: datetime | None
    state: str  # done, waiting, failed, skipped
    detail: str = ""
    after_seconds: float | None = None
    link: str | None = None


@dataclass(frozen=True)
class JobRow:
    id: int
    task: str
    status: str
    attempts: int
    max_attempts: int
    last_error: str | None
    subject: str
    created_at: datetime


@dataclass(frozen=True)
class Distribution:
    """Durations of one kind for one partner: how many, median and 90th percentile, in seconds."""

    partner: str
    count: int
    p50: float
    p90: float


@dataclass(frozen=True)
class ExceptionCount:
    type: str
    age: str
    n: int


@dataclass(frozen=True)
class DayCount:
    day: date
    series: str
    n: int


@dataclass(frozen=True)
class Kpis:
    window_days: int
    po_ack_cycle: list[Distribution]
    asn_latency: list[Distribution]
    exceptions: list[ExceptionCount]
    interventions: list[Count]
    interventions_by_day: list[DayCount]


@dataclass(frozen=True)
class Dashboard:
    """What the signed-in role may see; a section is None when its API route refuses the role."""

    today: date
    messages_today: list[Count] | None = None
    failures_today: int | None = None
    dead_jobs: int | None = None
    overdue_mdns: int | None = None
    overdue_acks: int | None = None
    expiring_certificates: list[dict[str, Any]] | None = None
    queue_depth: list[Count] | None = None
    relay_lag_seconds: float | None = None
    kpis: Kpis | None = None
    trend: list[DayCount] | None = None


@dataclass(frozen=True)
class ArtefactView:
    """An archived artefact shown on a page: its record and, for auditors, its bytes as text."""

    seq: int
    kind: str
    sha256: str
    size: int
    created_at: datetime
    text: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
