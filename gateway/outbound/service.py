"""Outbound exchanges after rendering: queue the send, record what the partner's MDN said (sync reply or
async POST to ``/as2``), track MDNs that are overdue, and let an operator resend a failed exchange.

An AS2 exchange moves READY → SENT (MDN positive, or awaiting an async MDN, or none asked) or FAILED
(negative or untrustworthy MDN, refused, out of attempts). ``meta.mdn_status`` says where its receipt
stands: ``awaiting``, ``received``, ``overdue`` or ``none``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.chain import append
from gateway.as2.headers import parse_as2_name
from gateway.as2.mime import Headers
from gateway.as2.receipts import Expected, MdnCheck, check_mdn, claimed_original_id
from gateway.as2.sender import MESSAGE_ID_KEY, META_KEY, TRANSPORT, wire_meta
from gateway.auth.service import SYSTEM, Principal, audit
from gateway.config import Settings
from gateway.errors import ConflictError, NotFoundError
from gateway.models import OutboxJob
from gateway.models.base import json_text, utcnow
from gateway.models.exchange import (
    MDN_AWAITED,
    MDN_DUE_AT_KEY,
    MDN_STATUS_KEY,
    Direction,
    Exchange,
    ExchangeStatus,
    MdnStatus,
)
from gateway.onboarding.service import find_by_as2_id
from gateway.outbound import repository
from gateway.outbox import enqueue

log = logging.getLogger(__name__)

SEND_TASK = "outbound.send_exchange"
CHECK_MDN_TASK = "outbound.check_mdn"
SWEEP_OVERDUE_TASK = "outbound.sweep_overdue_mdns"
MDN_KIND = "as2-mdn-in"
ASYNC_MDN_WAIT = timedelta(hours=2)
MAX_OVERDUE_LISTED = 500
MAX_ERROR_CHARS = 4000


def queue_send(session: Session, settings: Settings, exchange: Exchange) -> OutboxJob:
    """Queue ``outbound.send_exchange`` for a READY exchange (once per exchange and per resend)."""
    resends = int(exchange.meta.get("resends", 0))
    key = f"{SEND_TASK}:{exchange.id}" + (f":resend:{resends}" if resends else "")
    return enqueue(
        session, settings, SEND_TASK, subject_type="exchange", subject_id=exchange.id, dedup_key=key
    )


def _outbound(session: Session, exchange_id: int) -> Exchange:
    exchange = session.get(Exchange, exchange_id, with_for_update=True)
    if exchange is None or exchange.direction is not Direction.OUTBOUND:
        raise NotFoundError(f"outbound exchange {exchange_id} does not exist")
    return exchange


def _resendable(exchange: Exchange) -> bool:
    overdue = exchange.meta.get(MDN_STATUS_KEY) == MdnStatus.OVERDUE
    return exchange.status is ExchangeStatus.FAILED or (exchange.status is ExchangeStatus.SENT and overdue)


def _forget_message(meta: dict[str, Any]) -> dict[str, Any]:
    """Meta without the built AS2 message (kept in ``previous_messages``), so the next attempt builds anew."""
    wire = meta.get(META_KEY)
    if not isinstance(wire, dict):
        return meta
    previous = {"message_id": wire.get("message_id"), "body_sha256": wire.get("body_sha256")}
    kept = {k: v for k, v in meta.items() if k not in (META_KEY, MESSAGE_ID_KEY, "mic", "mic_algorithm")}
    return kept | {"previous_messages": [*meta.get("previous_messages", []), previous]}


def resend(
    session: Session, settings: Settings, exchange_id: int, by: Principal = SYSTEM, *, rebuild: bool = False
) -> Exchange:
    """Operator resend: a FAILED exchange (or one whose MDN is overdue) goes out again, byte-identical with
    the same Message-ID (RFC 4130 §5.5); with ``rebuild`` as a new message (new Message-ID, current keys and
    certificates), e.g. after the partner rejected it for a certificate it no longer holds."""
    exchange = _outbound(session, exchange_id)
    if not _resendable(exchange):
        raise ConflictError(
            f"exchange {exchange_id} is {exchange.status.value}: only failed exchanges, or sent ones whose "
            "MDN is overdue, can be resent"
        )
    before = {"status": exchange.status.value, "error": exchange.error}
    exchange.status, exchange.error = ExchangeStatus.READY, None
    meta = {k: v for k, v in exchange.meta.items() if k not in (MDN_STATUS_KEY, MDN_DUE_AT_KEY)}
    meta = _forget_message(meta) if rebuild else meta
    exchange.meta = meta | {"resends": int(exchange.meta.get("resends", 0)) + 1}
    queue_send(session, settings, exchange)
    after = {"status": "ready", "rebuild": rebuild}
    audit(session, by, "exchange.resend", "exchange", exchange.id, before=before, after=after)
    return exchange


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def mark_sent(exchange: Exchange, now: datetime, mdn_status: MdnStatus, **meta: Any) -> None:
    exchange.status, exchange.error, exchange.processed_at = ExchangeStatus.SENT, None, now
    exchange.meta = exchange.meta | meta | {MDN_STATUS_KEY: mdn_status.value, "sent_at": _iso(now)}


def mark_failed(exchange: Exchange, now: datetime, reason: str) -> None:
    exchange.status, exchange.error, exchange.processed_at = ExchangeStatus.FAILED, reason, now
    exchange.meta = exchange.meta | {"failed_at": _iso(now)}


def await_mdn(session: Session, settings: Settings, exchange: Exchange, now: datetime) -> None:
    """SENT, waiting for the async MDN; a check is queued for the moment it becomes overdue."""
    due = now + ASYNC_MDN_WAIT
    mark_sent(exchange, now, MdnStatus.AWAITING, mdn_due_at=_iso(due))
    resends = int(exchange.meta.get("resends", 0))
    enqueue(
        session,
        settings,
        CHECK_MDN_TASK,
        subject_type="exchange",
        subject_id=exchange.id,
        dedup_key=f"{CHECK_MDN_TASK}:{exchange.id}:{resends}",
        delay_seconds=ASYNC_MDN_WAIT.total_seconds(),
    )


def record_mdn(
    session: Session,
    settings: Settings,
    exchange: Exchange,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    check: MdnCheck,
    now: datetime,
) -> None:
    """Archive the MDN (linked to the exchange) and settle the exchange by what it says."""
    evidence = check.evidence() | {"headers": [list(h) for h in headers]}
    record = append(
        session,
        settings.resolved_archive_dir,
        MDN_KIND,
        body,
        meta=evidence,
        subject_type="exchange",
        subject_id=exchange.id,
    )
    stored = evidence | {"sha256": record.content_sha256, "received_at": _iso(now)}
    if check.problem is not None:
        mark_failed(exchange, now, check.problem[:MAX_ERROR_CHARS])
    elif not check.positive:
        assert check.parsed is not None
        mark_failed(exchange, now, f"negative MDN: {check.parsed.disposition}"[:MAX_ERROR_CHARS])
    else:
        mark_sent(exchange, now, MdnStatus.RECEIVED)
    exchange.meta = exchange.meta | {"mdn": stored, MDN_STATUS_KEY: MdnStatus.RECEIVED.value}


def _by_message_id(session: Session, partner_id: int, message_id: str) -> Exchange | None:
    return session.scalar(
        select(Exchange)
        .where(
            Exchange.partner_id == partner_id,
            Exchange.direction == Direction.OUTBOUND,
            Exchange.transport == TRANSPORT,
            json_text(Exchange.meta, MESSAGE_ID_KEY) == message_id,
        )
        .with_for_update()
    )


def _keep_unsettled(
    session: Session,
    settings: Settings,
    exchange: Exchange,
    headers: list[tuple[str, str]],
    body: bytes,
    note: str,
    now: datetime,
) -> None:
    """An async MDN that fails verification, or repeats a settled one, is archived but settles nothing."""
    evidence = {"headers": [list(h) for h in headers], "note": note, "settled": False}
    record = append(
        session,
        settings.resolved_archive_dir,
        MDN_KIND,
        body,
        meta=evidence,
        subject_type="exchange",
        subject_id=exchange.id,
    )
    kept = {"sha256": record.content_sha256, "at": _iso(now), "note": note}
    exchange.meta = exchange.meta | {"mdn_unsettled": [*exchange.meta.get("mdn_unsettled", []), kept]}
    log.warning("async MDN kept without settling", extra={"exchange_id": exchange.id, "note": note})


def handle_incoming_mdn(
    session: Session, settings: Settings, headers: list[tuple[str, str]], body: bytes
) -> bool:
    """An asynchronous MDN posted to ``/as2``: True if it answers one of our outbound messages (it is then
    archived and, when it verifies, settles the exchange); False if it is not ours to handle."""
    http = Headers.of(headers)
    partner = find_by_as2_id(session, parse_as2_name(http.get("as2-from")) or "")
    original = claimed_original_id(http, body)
    exchange = _by_message_id(session, partner.id, original) if partner and original else None
    wire = wire_meta(exchange) if exchange is not None else None
    if exchange is None or wire is None or partner is None:
        return False
    now = utcnow()
    certs = repository.verification_certs(session, partner.id, now)
    check = check_mdn(http, body, Expected.of(wire), certs, now)
    if exchange.meta.get(MDN_STATUS_KEY) == MdnStatus.RECEIVED:
        _keep_unsettled(session, settings, exchange, http.items(), body, "repeat of a settled MDN", now)
        return True
    if check.parsed is None:
        _keep_unsettled(session, settings, exchange, http.items(), body, check.problem or "unreadable", now)
        return True
    record_mdn(session, settings, exchange, http.items(), body, check, now)
    log.info("async MDN recorded", extra={"exchange_id": exchange.id, "status": exchange.status.value})
    return True


def overdue_mdns(session: Session, now: datetime, limit: int = MAX_OVERDUE_LISTED) -> list[Exchange]:
    """Sent AS2 exchanges whose asynchronous MDN has not arrived by its due time, oldest first."""
    rows = session.scalars(
        select(Exchange)
        .where(
            Exchange.direction == Direction.OUTBOUND,
            Exchange.status == ExchangeStatus.SENT,
            MDN_AWAITED,
            json_text(Exchange.meta, MDN_DUE_AT_KEY) <= _iso(now),
        )
        .order_by(Exchange.id)
        .limit(limit)
    )
    return list(rows)


def check_mdn_due(session: Session, exchange_id: int, now: datetime) -> bool:
    """Mark one exchange's MDN overdue if it is still awaited past its due time; True if it was."""
    exchange = session.get(Exchange, exchange_id, with_for_update=True)
    if exchange is None or exchange.meta.get(MDN_STATUS_KEY) != MdnStatus.AWAITING:
        return False
    if exchange.meta.get(MDN_DUE_AT_KEY, "") > _iso(now):
        return False
    exchange.meta = exchange.meta | {MDN_STATUS_KEY: MdnStatus.OVERDUE.value, "mdn_overdue_at": _iso(now)}
    log.warning(
        "MDN overdue", extra={"exchange_id": exchange.id, "message_id": exchange.meta.get(MESSAGE_ID_KEY)}
    )
    return True
