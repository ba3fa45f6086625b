"""API shapes of outbound exchanges (never the ORM class itself)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from gateway.models.exchange import Exchange


class OutboundExchangeOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    partner_id: int
    transport: str
    status: str
    filename: str | None
    as2_message_id: str | None
    mdn_status: str | None
    mdn_due_at: str | None
    error: str | None
    related_exchange_id: int | None
    received_at: datetime

    @classmethod
    def of(cls, exchange: Exchange) -> OutboundExchangeOut:
        meta = exchange.meta
        return cls(
            id=exchange.id,
            partner_id=exchange.partner_id,
            transport=exchange.transport,
            status=exchange.status.value,
            filename=exchange.filename,
            as2_message_id=meta.get("as2_message_id"),
            mdn_status=meta.get("mdn_status"),
            mdn_due_at=meta.get("mdn_due_at"),
            error=exchange.error,
            related_exchange_id=exchange.related_exchange_id,
            received_at=exchange.received_at,
        )
