"""API shapes of documents (never the ORM classes themselves)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.models.exchange import Document, Exchange
from gateway.models.reconciliation import Reconciliation
from translators.canonical import CanonicalDocument

IDEMPOTENCY_KEY_MAX = 200


class DocumentIn(BaseModel):
    """A canonical document for a partner: rendered in the partner's outbound format and sent."""

    model_config = ConfigDict(extra="forbid")

    partner_id: int = Field(ge=1, le=2**63 - 1)
    document: CanonicalDocument


class ControlNumbers(BaseModel):
    model_config = ConfigDict(frozen=True)

    interchange: int | None
    group: int | None
    message: int | None


class DocumentSent(BaseModel):
    """What ``POST /v1/documents`` created (or, for a repeat, had created before)."""

    model_config = ConfigDict(frozen=True)

    document_id: int
    exchange_id: int
    kind: str
    number: str
    message_type: str
    control_numbers: ControlNumbers
    created: bool


class ExchangeState(BaseModel):
    """Where the exchange carrying a document stands: sent, MDN, functional ack."""

    model_config = ConfigDict(frozen=True)

    id: int
    direction: str
    transport: str
    status: str
    error: str | None
    sent_at: str | None
    mdn_status: str | None
    ack_status: str | None
    functional_ack: dict[str, Any] | None

    @classmethod
    def of(cls, exchange: Exchange) -> ExchangeState:
        meta = exchange.meta
        return cls(
            id=exchange.id,
            direction=exchange.direction.value,
            transport=exchange.transport,
            status=exchange.status.value,
            error=exchange.error,
            sent_at=meta.get("sent_at"),
            mdn_status=meta.get("mdn_status"),
            ack_status=meta.get("ack_status"),
            functional_ack=meta.get("functional_ack"),
        )


class DocumentSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    partner_id: int
    direction: str
    kind: str
    number: str
    document_date: str | None
    message_type: str
    exchange_id: int
    created_at: datetime

    @classmethod
    def of(cls, document: Document) -> DocumentSummary:
        return cls(
            id=document.id,
            partner_id=document.partner_id,
            direction=document.direction.value,
            kind=document.kind,
            number=document.number,
            document_date=document.document_date,
            message_type=document.message_type,
            exchange_id=document.exchange_id,
            created_at=document.created_at,
        )


class DocumentOut(DocumentSummary):
    control_numbers: ControlNumbers
    canonical: dict[str, Any]
    exchange: ExchangeState

    @classmethod
    def full(cls, document: Document, exchange: Exchange) -> DocumentOut:
        return cls(
            **DocumentSummary.of(document).model_dump(),
            control_numbers=control_numbers(document),
            canonical=document.canonical,
            exchange=ExchangeState.of(exchange),
        )


def _number(text: str | None) -> int | None:
    return int(text) if text and text.strip().isdigit() else None


def control_numbers(document: Document) -> ControlNumbers:
    return ControlNumbers(
        interchange=_number(document.interchange_ref),
        group=_number(document.group_ref),
        message=_number(document.message_ref),
    )


class ReconciliationOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    partner_id: int
    document_id: int
    po_number: str
    po_document_id: int | None
    status: str
    deviations: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    wait_until: datetime
    checked_at: datetime

    @classmethod
    def of(cls, row: Reconciliation) -> ReconciliationOut:
        return cls(
            id=row.id,
            partner_id=row.partner_id,
            document_id=row.document_id,
            po_number=row.po_number,
            po_document_id=row.po_document_id,
            status=row.status.value,
            deviations=row.deviations,
            lines=row.lines,
            wait_until=row.wait_until,
            checked_at=row.checked_at,
        )


class OverdueAck(BaseModel):
    model_config = ConfigDict(frozen=True)

    exchange_id: int
    partner_id: int
    document_type: str | None
    interchange_control_number: int | None
    group_control_number: int | None
    sent_at: str | None

    @classmethod
    def of(cls, exchange: Exchange) -> OverdueAck:
        meta = exchange.meta
        return cls(
            exchange_id=exchange.id,
            partner_id=exchange.partner_id,
            document_type=meta.get("document_type"),
            interchange_control_number=meta.get("interchange_control_number"),
            group_control_number=meta.get("group_control_number"),
            sent_at=meta.get("sent_at"),
        )
