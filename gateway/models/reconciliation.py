"""Reconciliation of a partner's answer (855/ORDRSP acknowledgement, 856/DESADV ship notice) with the
purchase order it names: one row per answering document and PO number, with the deviations found."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, BigId, JsonDoc, UtcDateTime, utcnow


class ReconciliationStatus(enum.StrEnum):
    WAITING = "waiting"  # the PO is not known yet; checked again when it arrives, until wait_until
    MATCHED = "matched"  # linked to its PO, no deviation
    DEVIATIONS = "deviations"  # linked to its PO, deviations recorded
    UNMATCHED = "unmatched"  # no PO arrived before wait_until


class Reconciliation(Base):
    __tablename__ = "reconciliation"
    __table_args__ = (
        UniqueConstraint("document_id", "po_number", name="uq_reconciliation_document_po"),
        Index("ix_reconciliation_partner_po", "partner_id", "po_number"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    document_id: Mapped[int] = mapped_column(BigId, ForeignKey("document.id"), index=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partner.id"))
    po_number: Mapped[str] = mapped_column(String(80))
    po_document_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("document.id"), index=True)
    status: Mapped[ReconciliationStatus] = mapped_column(
        Enum(
            ReconciliationStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        )
    )
    deviations: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JsonDoc)
    wait_until: Mapped[datetime] = mapped_column(UtcDateTime)
    checked_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
