"""Reads for the partner API, always scoped to one partner: another partner's exchange is "not found",
never "forbidden", so a token cannot even learn that an id exists."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from gateway.errors import NotFoundError
from gateway.models.exchange import Direction, Document, Exchange, ExchangeStatus

TRANSPORT: Final = "rest"
MAX_LISTED: Final = 500


def inbound(session: Session, partner_id: int, exchange_id: int) -> Exchange:
    """One of the partner's inbound exchanges (any transport: SFTP and AS2 messages have a status too)."""
    exchange = session.get(Exchange, exchange_id)
    if exchange is None or exchange.partner_id != partner_id or exchange.direction is not Direction.INBOUND:
        raise NotFoundError(f"message {exchange_id} does not exist")
    return exchange


def documents_of(session: Session, exchange_id: int) -> list[Document]:
    return list(
        session.scalars(select(Document).where(Document.exchange_id == exchange_id).order_by(Document.id))
    )


def acks_of(session: Session, partner_id: int, exchange_id: int) -> list[Exchange]:
    """The outbound exchanges answering an inbound one (its functional acknowledgements)."""
    rows = session.scalars(
        select(Exchange)
        .where(
            Exchange.partner_id == partner_id,
            Exchange.direction == Direction.OUTBOUND,
            Exchange.related_exchange_id == exchange_id,
        )
        .order_by(Exchange.id)
    )
    return list(rows)


def outbound(session: Session, partner_id: int, exchange_id: int, *, for_update: bool = False) -> Exchange:
    """One outbound exchange the partner fetches over REST."""
    exchange = session.get(Exchange, exchange_id, with_for_update=for_update)
    if (
        exchange is None
        or exchange.partner_id != partner_id
        or exchange.direction is not Direction.OUTBOUND
        or exchange.transport != TRANSPORT
        or not exchange.content_sha256
    ):
        raise NotFoundError(f"document {exchange_id} does not exist")
    return exchange


def inbound_list(
    session: Session,
    partner_id: int,
    *,
    status: ExchangeStatus | None,
    since: datetime | None,
    after_id: int,
    limit: int,
) -> list[Exchange]:
    """The partner's inbound messages (every transport), oldest first."""
    stmt = select(Exchange).where(
        Exchange.partner_id == partner_id,
        Exchange.direction == Direction.INBOUND,
        Exchange.id > after_id,
    )
    return _page(stmt, status, since, limit, session)


def _page(
    stmt: Select[Exchange],
    status: ExchangeStatus | None,
    since: datetime | None,
    limit: int,
    session: Session,
) -> list[Exchange]:
    if status is not None:
        stmt = stmt.where(Exchange.status == status)
    if since is not None:
        stmt = stmt.where(Exchange.received_at >= since)
    return list(session.scalars(stmt.order_by(Exchange.id).limit(min(limit, MAX_LISTED))))


def outbound_list(
    session: Session,
    partner_id: int,
    *,
    status: ExchangeStatus | None,
    since: datetime | None,
    after_id: int,
    limit: int,
) -> list[Exchange]:
    """The partner's REST outbound exchanges, oldest first, optionally by status and creation time."""
    stmt = select(Exchange).where(
        Exchange.partner_id == partner_id,
        Exchange.direction == Direction.OUTBOUND,
        Exchange.transport == TRANSPORT,
        Exchange.content_sha256 != "",
        Exchange.id > after_id,
    )
    return _page(stmt, status, since, limit, session)
