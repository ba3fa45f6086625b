"""Archive records: append-only, hash-chained evidence of every message and receipt (DESIGN.md §8)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime

GENESIS_HASH = "0" * 64


class ArchiveRecord(Base):
    """One archived artefact. ``record_hash`` covers every field and the previous record's hash."""

    __tablename__ = "archive_record"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(50))
    subject_type: Mapped[str | None] = mapped_column(String(50), index=True)
    subject_id: Mapped[int | None] = mapped_column(BigId, index=True)
    content_sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_size: Mapped[int] = mapped_column(BigInteger)
    meta: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    prev_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ArchiveHead(Base):
    """The single row that serialises appends: the last sequence number and hash of the chain."""

    __tablename__ = "archive_head"
    __table_args__ = (CheckConstraint("id = 1", name="singleton"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    record_hash: Mapped[str] = mapped_column(String(64))


class ArchiveBlob(Base):
    """The content of a small archived artefact, kept in the database beside its records (one row per
    SHA-256) instead of as a file: it commits with them in one transaction, with no file to create
    and flush per message. Larger content stays in the archive folder (``gateway.archive.blobs``)."""

    __tablename__ = "archive_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
