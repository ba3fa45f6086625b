"""API shapes of exchanges and archive records for auditors and operators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from gateway.models.archive import ArchiveRecord
from gateway.models.exchange import Exchange


class ExchangeOut(BaseModel):
    id: int
    partner_id: int
    direction: str
    transport: str
    message_id: str
    status: str
    filename: str | None
    size: int
    syntax: str | None
    received_at: datetime
    processed_at: datetime | None
    duplicate_count: int
    related_exchange_id: int | None
    mdn_disposition: str | None
    error: str | None

    @classmethod
    def of(cls, e: Exchange) -> ExchangeOut:
        return cls(
            id=e.id,
            partner_id=e.partner_id,
            direction=e.direction.value,
            transport=e.transport,
            message_id=e.message_id,
            status=e.status.value,
            filename=e.filename,
            size=e.size,
            syntax=e.syntax,
            received_at=e.received_at,
            processed_at=e.processed_at,
            duplicate_count=e.duplicate_count,
            related_exchange_id=e.related_exchange_id,
            mdn_disposition=(e.meta.get("mdn") or {}).get("disposition"),
            error=e.error,
        )


class RecordOut(BaseModel):
    seq: int
    kind: str
    content_sha256: str
    content_size: int
    created_at: datetime
    record_hash: str
    meta: dict[str, Any]

    @classmethod
    def of(cls, r: ArchiveRecord) -> RecordOut:
        return cls(
            seq=r.seq,
            kind=r.kind,
            content_sha256=r.content_sha256,
            content_size=r.content_size,
            created_at=r.created_at,
            record_hash=r.record_hash,
            meta=r.meta,
        )


class ExchangeDetail(ExchangeOut):
    meta: dict[str, Any]
    records: list[RecordOut]


class CheckOut(BaseModel):
    name: str
    ok: bool
    detail: str


class VerificationOut(BaseModel):
    ok: bool
    checks: list[CheckOut]
