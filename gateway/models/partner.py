"""Trading partners: the validated profile as JSON, plus an index of the identities used to find a
partner from an inbound AS2 header, ISA or UNB."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow


class Partner(Base):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PartnerIdentityKey(Base):
    """One lookup key per identity: ``as2`` (exact AS2 ID), ``x12`` (qualifier:ISA ID), ``edifact``, and
    ``sftp`` (the login on our SFTP server)."""

    __tablename__ = "partner_identity_key"
    __table_args__ = (Index("ix_partner_identity_key_lookup", "kind", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(160))
