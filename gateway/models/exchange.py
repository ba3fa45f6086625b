"""Exchanges (one received or sent message), the canonical documents they carry, the control numbers
seen and issued per partner, and ERP delivery attempts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime, json_text, utcnow


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class ExchangeStatus(enum.StrEnum):
    RECEIVED = "received"  # committed and archived; processing queued
    PROCESSED = "processed"  # every message translated and accepted
    PARTIAL = "partial"  # some messages rejected (see the functional ack)
    REJECTED = "rejected"  # nothing usable (envelope error)
    READY = "ready"  # outbound: rendered, waiting for its transport
    SENT = "sent"
    FAILED = "failed"


class Exchange(Base):
    __tablename__ = "exchange"
    __table_args__ = (
        UniqueConstraint("partner_id", "direction", "transport", "message_id", name="uq_exchange_message"),
        Index("ix_exchange_partner_received", "partner_id", "received_at"),
        Index("ix_exchange_received", "received_at"),  # the console's day and trend counts
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner.id"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    transport: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[ExchangeStatus] = mapped_column(_enum(ExchangeStatus))
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(200))
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    syntax: Mapped[str | None] = mapped_column(String(10))
    meta: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    error: Mapped[str | None] = mapped_column(Text)
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    related_exchange_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("exchange.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Document(Base):
    """A canonical document received from or sent to a partner; unique per business key."""

    __tablename__ = "document"
    __table_args__ = (
        UniqueConstraint("partner_id", "direction", "kind", "business_key", name="uq_document_business_key"),
        Index("ix_document_number", "kind", "number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    exchange_id: Mapped[int] = mapped_column(BigId, ForeignKey("exchange.id"), index=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner.id"))
    direction: Mapped[Direction] = mapped_column(_enum(Direction))
    kind: Mapped[str] = mapped_column(String(30))
    number: Mapped[str] = mapped_column(String(80))
    business_key: Mapped[str] = mapped_column(String(300))
    document_date: Mapped[str | None] = mapped_column(String(10))
    message_type: Mapped[str] = mapped_column(String(10))
    interchange_ref: Mapped[str] = mapped_column(String(35))
    group_ref: Mapped[str | None] = mapped_column(String(35))
    message_ref: Mapped[str] = mapped_column(String(35))
    canonical: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SeenControlRef(Base):
    """An inbound interchange/group/set control number, to catch resends within the duplicate window."""

    __tablename__ = "seen_control_ref"
    __table_args__ = (UniqueConstraint("partner_id", "syntax", "level", "ref", name="uq_seen_control_ref"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner.id"))
    syntax: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(12))
    ref: Mapped[str] = mapped_column(String(120))
    exchange_id: Mapped[int] = mapped_column(BigId, ForeignKey("exchange.id"))
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ControlCounter(Base):
    """Per-partner outbound control numbers (interchange, group, set), never reused."""

    __tablename__ = "control_counter"
    __table_args__ = (UniqueConstraint("partner_id", "syntax", "level", name="uq_control_counter"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner.id"))
    syntax: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(12))
    last_value: Mapped[int] = mapped_column(BigInteger, default=0)


class ErpDelivery(Base):
    """One attempt to hand a document to the ERP connector."""

    __tablename__ = "erp_delivery"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(BigId, ForeignKey("document.id"), index=True)
    connector: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


# Two keys of ``meta`` are looked up, not only read: the Message-ID of an AS2 message we sent (an
# asynchronous MDN names it) and, for receipts still awaited, the MDN's due time (the periodic overdue
# check). Indexes keep both lookups from reading every exchange (migration 0009); the first leads with
# the columns of the unique key, which the planner would otherwise prefer.
AS2_MESSAGE_ID_KEY = "as2_message_id"
MDN_STATUS_KEY = "mdn_status"
MDN_DUE_AT_KEY = "mdn_due_at"


class MdnStatus(enum.StrEnum):
    """Where the receipt of an AS2 message we sent stands (``meta.mdn_status``)."""

    AWAITING = "awaiting"
    RECEIVED = "received"
    OVERDUE = "overdue"
    NONE = "none"


# Written as literals (not parameters) so that SQLite and PostgreSQL see that a query with this
# condition may use the partial index below, which holds only the few exchanges still awaiting a receipt.
MDN_AWAITED = json_text(Exchange.meta, MDN_STATUS_KEY).in_(
    [literal_column(f"'{MdnStatus.AWAITING.value}'"), literal_column(f"'{MdnStatus.OVERDUE.value}'")]
)
Index(
    "ix_exchange_as2_message_id",
    Exchange.partner_id,
    Exchange.direction,
    Exchange.transport,
    json_text(Exchange.meta, AS2_MESSAGE_ID_KEY),
)
Index(
    "ix_exchange_mdn_awaited",
    json_text(Exchange.meta, MDN_DUE_AT_KEY),
    sqlite_where=MDN_AWAITED,
    postgresql_where=MDN_AWAITED,
)
