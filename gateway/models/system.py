"""Rows written by the ``system.ping`` task: proof that the outbox -> broker -> worker chain runs once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, UtcDateTime, utcnow


class SystemPing(Base):
    __tablename__ = "system_ping"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[int] = mapped_column(BigId, ForeignKey("outbox_job.id"), unique=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    worker_pid: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
