"""The outbox: the only way work leaves a transaction (DESIGN.md §4). Each row is one task run."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # to be published once available_at has passed
    PUBLISHED = "published"  # handed to the broker, not started yet
    RUNNING = "running"  # a worker claimed it
    DONE = "done"
    DEAD = "dead"  # out of attempts; an operator may replay it


class OutboxJob(Base):
    __tablename__ = "outbox_job"
    __table_args__ = (
        Index("ix_outbox_job_status_available_at", "status", "available_at"),
        Index("ix_outbox_job_subject", "subject_type", "subject_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    task: Mapped[str] = mapped_column(String(100))
    queue: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[int | None] = mapped_column(BigId)
    args: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=JobStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    publish_count: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
