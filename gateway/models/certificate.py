"""Our own stations (the identities we send as) and the certificates of partners and stations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow


class Station(Base):
    """One of our own trading identities (AS2 ID, ISA and UNB IDs) with its own key pairs."""

    __tablename__ = "station"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    as2_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    identities: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Certificate(Base):
    """A certificate of a partner (``partner_id``) or of a station (``station_id``, maybe with a key)."""

    __tablename__ = "certificate"
    __table_args__ = (
        UniqueConstraint(
            "partner_id", "station_id", "fingerprint_sha256", name="uq_certificate_owner_fingerprint"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("partner.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("station.id"), index=True)
    usages: Mapped[list[str]] = mapped_column(JsonDoc)
    info: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    chain_pem: Mapped[str] = mapped_column(Text, default="")
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), index=True)
    issuer_serial: Mapped[str] = mapped_column(String(600), index=True)
    not_after: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    active_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    active_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sealed_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
