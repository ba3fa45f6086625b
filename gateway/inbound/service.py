"""accept(): the one way a received message enters the gateway, whatever the transport (DESIGN.md §3).

In the caller's transaction it archives the exact bytes, records the Exchange (unique per partner,
transport and message id) and queues ``inbound.process_exchange``. A repeat of a message id is reported
as a duplicate with the stored exchange, never processed twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from gateway.archive.chain import Item, append_many
from gateway.config import Settings
from gateway.db import insert_or_skip
from gateway.models.exchange import Direction, Exchange, ExchangeStatus
from gateway.outbox import enqueue_row

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


_EXCHANGE = cast(Table, Exchange.__table__)
_UNIQUE = ("partner_id", "direction", "transport", "message_id")


def _existing_id(session: Session, received: Received) -> int | None:
    return session.scalar(
        select(_EXCHANGE.c.id).where(
            _EXCHANGE.c.partner_id == received.partner_id,
            _EXCHANGE.c.direction == Direction.INBOUND,
            _EXCHANGE.c.transport == received.transport,
            _EXCHANGE.c.message_id == received.message_id[:MAX_MESSAGE_ID_CHARS],
        )
    )


def _insert(session: Session, received: Received, meta: dict[str, Any]) -> int | None:
    """The new exchange's id, or None when the message id is already recorded (or being recorded by a
    concurrent transaction, which this one then waits for)."""
    values = {
        "partner_id": received.partner_id,
        "direction": Direction.INBOUND,
        "transport": received.transport,
        "message_id": received.message_id[:MAX_MESSAGE_ID_CHARS],
        "status": ExchangeStatus.RECEIVED,
        "filename": _filename(received),
        "content_type": received.content_type,
        "content_sha256": hashlib.sha256(received.content).hexdigest(),
        "size": len(received.content),
        "meta": meta,
        "duplicate_count": 0,
    }
    stmt = insert_or_skip(session, _EXCHANGE, _UNIQUE, returning="id")
    exchange_id: int | None = session.connection().execute(stmt, values).scalar()
    return exchange_id


def record(
    session: Session, settings: Settings, received: Received, *, meta: dict[str, Any] | None = None
) -> AcceptResult:
    """The rows of :func:`accept` without the archive record: the exchange and its processing job, or
    the duplicate counted on the earlier exchange; two statements either way. ``meta`` is the
    exchange's meta when it keeps more than the archived ``received.meta``."""
    session.flush()  # the caller's pending ORM changes go first, as they would with session.execute
    exchange_id = _insert(session, received, received.meta if meta is None else meta)
    if exchange_id is None:
        earlier = _existing_id(session, received)
        if earlier is None:
            raise RuntimeError(f"exchange for message id {received.message_id!r} vanished")
        session.execute(
            update(_EXCHANGE)
            .where(_EXCHANGE.c.id == earlier)
            .values(duplicate_count=_EXCHANGE.c.duplicate_count + 1)
        )
        return AcceptResult(earlier, duplicate=True)
    enqueue_row(
        session,
        settings,
        "inbound.process_exchange",
        subject_type="exchange",
        subject_id=exchange_id,
        dedup_key=f"inbound.process_exchange:{exchange_id}",
    )
    return AcceptResult(exchange_id, duplicate=False)


def archive_item(received: Received, exchange_id: int) -> Item:
    """The archive record of the received bytes."""
    meta = {"message_id": received.message_id[:MAX_MESSAGE_ID_CHARS], "filename": _filename(received)}
    kind = f"{received.transport}-inbound"
    return Item(kind, received.content, meta | received.meta, "exchange", exchange_id)


def _filename(received: Received) -> str | None:
    return (received.filename or None) and received.filename[:MAX_FILENAME_CHARS]


def accept(session: Session, settings: Settings, received: Received) -> AcceptResult:
    """Archive and record a received message and queue its processing; idempotent per message id."""
    result = record(session, settings, received)
    if not result.duplicate:
        append_many(session, settings.resolved_archive_dir, [archive_item(received, result.exchange_id)])
    return result
