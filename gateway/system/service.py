"""Requesting pings and reading their outcome."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import OutboxJob, SystemPing
from gateway.outbox import enqueue


def request_ping(session: Session, settings: Settings, note: str = "", delay: float = 0.0) -> OutboxJob:
    job = enqueue(session, settings, "system.ping", args={"note": note, "delay": delay})
    session.flush()
    return job


def pings_for(session: Session, job_id: int) -> list[SystemPing]:
    return list(session.scalars(select(SystemPing).where(SystemPing.job_id == job_id)))
