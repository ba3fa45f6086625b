"""API tokens (stored hashed) and the audit log of every write (DESIGN.md §7)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    ONBOARDING = "onboarding"  # procurement: partners and partner certificates, no private keys
    OPERATOR = "operator"  # resend, replay, payloads
    AUDITOR = "auditor"  # read-only messages, MDNs, archive verification, audit log
    PARTNER = "partner"  # REST token scoped to one partner's own documents


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(BigId, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    after: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    correlation_id: Mapped[str | None] = mapped_column(String(64))
