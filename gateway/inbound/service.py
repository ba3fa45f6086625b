"""accept(): the one way a received message enters the gateway, whatever the transport (DESIGN.md §3).

In the caller's transaction it archives the exact bytes, records the Exchange (unique per partner,
transport and message id) and queues ``inbound.process_exchange``. A repeat of a message id is reported
as a duplicate with the stored exchange, never processed twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.archive.chain import append
from gateway.config import Settings
from gateway.models.exchange import Direction, Exchange, ExchangeStatus
from gateway.outbox import enqueue

MAX_MESSAGE_ID_CHARS = 300
MAX_FILENAME_CHARS = 255


@dataclass(frozen=True)
class Received:
    """What a transport received: exact bytes plus the transport's evidence in ``meta``."""

    partner_id: int
    transport: str
    content: bytes
    filename: str | None
    message_id: str
    content_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AcceptResult:
    exchange_id: int
    duplicate: bool


def _existing(session: Session, received: Received) -> Exchange | None:
    return session.scalar(
        select(Exchange).where(
            Exchange.partner_id == received.partner_id,
            Exchange.direction == Direction.INBOUND,
            Exchange.transport == received.transport,
            Exchange.message_id == received.message_id[:MAX_MESSAGE_ID_CHARS],
        )
    )


def _duplicate(existing: Exchange) -> AcceptResult:
    existing.duplicate_count += 1
    return AcceptResult(existing.id, duplicate=True)


def accept(session: Session, settings: Settings, received: Received) -> AcceptResult:
    """Archive and record a received message and queue its processing; idempotent per message id."""
    existing = _existing(session, received)
    if existing is not None:
        return _duplicate(existing)
    exchange = Exchange(
        partner_id=received.partner_id,
        direction=Direction.INBOUND,
        transport=received.transport,
        message_id=received.message_id[:MAX_MESSAGE_ID_CHARS],
        status=ExchangeStatus.RECEIVED,
        filename=(received.filename or None) and received.filename[:MAX_FILENAME_CHARS],
        content_type=received.content_type,
        content_sha256=hashlib.sha256(received.content).hexdigest(),
        size=len(received.content),
        meta=received.meta,
        duplicate_count=0,
    )
    try:
        with session.begin_nested():
            session.add(exchange)
    except IntegrityError:
        existing = _existing(session, received)
        if existing is None:
            raise
        return _duplicate(existing)
    append(
        session,
        settings.resolved_archive_dir,
        f"{received.transport}-inbound",
        received.content,
        meta={"message_id": exchange.message_id, "filename": exchange.filename} | received.meta,
        subject_type="exchange",
        subject_id=exchange.id,
    )
    enqueue(
        session,
        settings,
        "inbound.process_exchange",
        subject_type="exchange",
        subject_id=exchange.id,
        dedup_key=f"inbound.process_exchange:{exchange.id}",
    )
    return AcceptResult(exchange.id, duplicate=False)
