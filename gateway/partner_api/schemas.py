"""What the partner REST API returns: submission receipts, the status of a partner's inbound messages,
and the outbound documents waiting for the partner to fetch."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from gateway.models.exchange import Document, Exchange

MESSAGES_PATH = "/v1/partner/messages"
DOCUMENTS_PATH = "/v1/partner/documents"
_LOCATED = re.compile(r"^(?P<message>.*) \((?P<location>[^()]*)\)(?: \[code (?P<code>[^\]]+)\])?$")


class SubmittedOut(BaseModel):
    """Receipt of a submission: the message is committed and archived; processing follows."""

    exchange_id: int
    message_id: str = Field(description="The Idempotency-Key, else the SHA-256 of the body")
    duplicate: bool = Field(description="True when this message id was submitted before (nothing new)")
    status: str
    status_url: str


class ErrorOut(BaseModel):
    """One problem found in the message, with where it sits and its acknowledgement code."""

    message: str
    location: str | None = None
    code: str | None = None

    @classmethod
    def parse(cls, line: str) -> ErrorOut:
        match = _LOCATED.match(line)
        if match is None:
            return cls(message=line)
        return cls(message=match["message"], location=match["location"], code=match["code"])


class DocumentRef(BaseModel):
    id: int
    kind: str
    number: str


class AckRef(BaseModel):
    """A functional acknowledgement (997/999/CONTRL/TA1) we sent back for the message."""

    exchange_id: int
    kind: str | None
    status: str
    url: str | None = Field(description="Where to fetch it, when it is delivered over REST")


class MessageSummaryOut(BaseModel):
    """One of the partner's inbound messages, in a list."""

    id: int
    message_id: str
    transport: str
    status: str
    received_at: datetime
    processed_at: datetime | None
    status_url: str

    @classmethod
    def of(cls, exchange: Exchange) -> MessageSummaryOut:
        return cls(
            id=exchange.id,
            message_id=exchange.message_id,
            transport=exchange.transport,
            status=exchange.status.value,
            received_at=exchange.received_at,
            processed_at=exchange.processed_at,
            status_url=f"{MESSAGES_PATH}/{exchange.id}",
        )


class MessageStatusOut(BaseModel):
    """Where one of the partner's inbound messages stands."""

    id: int
    message_id: str
    status: str = Field(description="received, processed, partial or rejected")
    syntax: str | None
    filename: str | None
    content_type: str | None
    size: int
    content_sha256: str
    duplicate_count: int
    received_at: datetime
    processed_at: datetime | None
    errors: list[ErrorOut]
    documents: list[DocumentRef]
    acks: list[AckRef]

    @classmethod
    def of(cls, exchange: Exchange, documents: list[Document], acks: list[Exchange]) -> MessageStatusOut:
        lines = [line for line in (exchange.error or "").splitlines() if line.strip()]
        return cls(
            id=exchange.id,
            message_id=exchange.message_id,
            status=exchange.status.value,
            syntax=exchange.syntax,
            filename=exchange.filename,
            content_type=exchange.content_type,
            size=exchange.size,
            content_sha256=exchange.content_sha256,
            duplicate_count=exchange.duplicate_count,
            received_at=exchange.received_at,
            processed_at=exchange.processed_at,
            errors=[ErrorOut.parse(line) for line in lines],
            documents=[DocumentRef(id=d.id, kind=d.kind, number=d.number) for d in documents],
            acks=[
                AckRef(
                    exchange_id=a.id,
                    kind=a.meta.get("ack_kind"),
                    status=a.status.value,
                    url=f"{DOCUMENTS_PATH}/{a.id}" if a.transport == "rest" else None,
                )
                for a in acks
            ],
        )


class OutboundDocumentOut(BaseModel):
    """An outbound exchange addressed to the partner: an acknowledgement or a rendered document."""

    id: int
    kind: str | None = Field(description="The ack kind (997, 999, CONTRL, TA1) or the document type")
    filename: str | None
    content_type: str | None
    size: int
    content_sha256: str
    status: str = Field(description="ready (waiting to be fetched), sent (fetched) or failed")
    created_at: datetime
    available_since: str | None
    fetched_at: str | None
    acknowledges_message: int | None = Field(description="The inbound exchange this acknowledges")
    url: str
    canonical_url: str

    @classmethod
    def of(cls, exchange: Exchange) -> OutboundDocumentOut:
        meta: dict[str, Any] = exchange.meta
        return cls(
            id=exchange.id,
            kind=meta.get("ack_kind") or meta.get("document_kind"),
            filename=exchange.filename,
            content_type=exchange.content_type,
            size=exchange.size,
            content_sha256=exchange.content_sha256,
            status=exchange.status.value,
            created_at=exchange.received_at,
            available_since=meta.get("available_since"),
            fetched_at=meta.get("fetched_at"),
            acknowledges_message=exchange.related_exchange_id,
            url=f"{DOCUMENTS_PATH}/{exchange.id}",
            canonical_url=f"{DOCUMENTS_PATH}/{exchange.id}/canonical",
        )


class CanonicalOut(BaseModel):
    """The canonical documents (JSON, per the published schema) behind an outbound exchange."""

    exchange_id: int
    documents: list[dict[str, Any]]
