"""Periodic jobs, scheduled by the relay through the outbox: each period's job has a dedup key, so any
number of relay replicas enqueue it once (no single beat process to keep alive)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from gateway.config import Settings
from gateway.db import Database
from gateway.models.base import utcnow
from gateway.outbox import enqueue

DAY = 86_400.0
HOUR = 3_600.0
PERIODIC_KEY_PREFIX = "periodic:"
QUARTER_HOUR = 900.0
HALF_MINUTE = 30.0


def _always(_settings: Settings) -> bool:
    return True


@dataclass(frozen=True)
class Periodic:
    """A task run once per period; ``interval`` (from the settings) overrides ``every_seconds``, and
    ``enabled`` leaves it out when the deployment does not use it."""

    task: str
    every_seconds: float
    enabled: Callable[[Settings], bool] = _always
    interval: Callable[[Settings], float] | None = None

    def period_of(self, settings: Settings) -> float:
        return self.interval(settings) if self.interval is not None else self.every_seconds


def _polls_erp_staging(settings: Settings) -> bool:
    return settings.erp_staging_url is not None and settings.erp_staging_outbound_table is not None


PERIODIC: list[Periodic] = [
    Periodic("maintenance.check_certificate_expiry", DAY),
    Periodic("maintenance.prune_periodic_jobs", HOUR),
    Periodic("outbound.sweep_overdue_mdns", QUARTER_HOUR),
    Periodic("sftp.schedule_pulls", HALF_MINUTE),
    Periodic("documents.sweep_reconciliation", QUARTER_HOUR),
    Periodic(
        "erp.poll_staging",
        HALF_MINUTE,
        enabled=_polls_erp_staging,
        interval=lambda settings: settings.erp_staging_poll_seconds,
    ),
]


def register(task: str, every_seconds: float) -> None:
    """Add a periodic task (idempotent per task name)."""
    if all(p.task != task for p in PERIODIC):
        PERIODIC.append(Periodic(task, every_seconds))


def schedule_due(db: Database, settings: Settings, now: datetime | None = None) -> None:
    """Enqueue this period's run of every periodic task (a no-op when it is already enqueued)."""
    moment = (now or utcnow()).timestamp()
    with db.transaction() as session:
        for periodic in PERIODIC:
            if not periodic.enabled(settings):
                continue
            period = int(moment // periodic.period_of(settings))
            enqueue(
                session, settings, periodic.task, dedup_key=f"{PERIODIC_KEY_PREFIX}{periodic.task}:{period}"
            )
