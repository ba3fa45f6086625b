"""Feedback for partners on processing that happens after a file was taken: when the inbound pipeline
rejects an inbox file (or part of it), a readable note ``<name>.exchange-<id>.error`` with the located
errors appears beside the file in the partner's ``archive/``. Written by the process that owns the
folders (the inbox watcher's loop), once per exchange (flagged in the exchange's ``meta``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Exchange, ExchangeStatus
from gateway.models.partner import Partner
from gateway.sftp.layout import ARCHIVE, ERROR_SUFFIX, ensure_partner_dirs, write_atomically

log = logging.getLogger(__name__)

NOTED_STATUSES: Final = (ExchangeStatus.REJECTED, ExchangeStatus.PARTIAL)
NOTE_WINDOW: Final = timedelta(days=7)
NOTE_BATCH: Final = 200
NOTE_META_KEY: Final = "sftp_error_note"
MAX_NOTE_CHARS: Final = 20_000
NOTE_NAME_STEM: Final = 200


@dataclass(frozen=True)
class PendingNote:
    exchange_id: int
    partner_code: str
    filename: str
    text: str


def note_text(exchange: Exchange) -> str:
    lines = [
        f"file: {exchange.filename}",
        f"exchange: {exchange.id}",
        f"status: {exchange.status.value}",
        f"processed: {exchange.processed_at.isoformat() if exchange.processed_at else '-'}",
        "errors:",
        *(f"  {line}" for line in (exchange.error or "see the functional acknowledgement").splitlines()),
    ]
    return "\n".join(lines)[:MAX_NOTE_CHARS] + "\n"


def pending_notes(settings: Settings) -> list[PendingNote]:
    """Rejected or partly rejected inbox files of the last days that have no note yet."""
    stmt = (
        select(Exchange, Partner.code)
        .join(Partner, Partner.id == Exchange.partner_id)
        .where(
            Exchange.transport == "sftp",
            Exchange.direction == Direction.INBOUND,
            Exchange.status.in_(NOTED_STATUSES),
            Exchange.processed_at >= utcnow() - NOTE_WINDOW,
        )
        .order_by(Exchange.id)
        .limit(NOTE_BATCH)
    )
    with get_database(settings).sessions() as session:
        rows = session.execute(stmt).all()
    return [
        PendingNote(exchange.id, code, exchange.filename or f"exchange-{exchange.id}", note_text(exchange))
        for exchange, code in rows
        if exchange.meta.get("source") == "inbox" and NOTE_META_KEY not in exchange.meta
    ]


def write_processing_notes(settings: Settings) -> int:
    """Write the pending notes, then flag each exchange; a crash in between rewrites the same note."""
    written = 0
    db = get_database(settings)
    for pending in pending_notes(settings):
        folder = ensure_partner_dirs(settings, pending.partner_code) / ARCHIVE
        name = f"{pending.filename[:NOTE_NAME_STEM]}.exchange-{pending.exchange_id}{ERROR_SUFFIX}"
        write_atomically(folder, name, pending.text.encode("utf-8"))
        with db.transaction() as session:
            exchange = session.get(Exchange, pending.exchange_id, with_for_update=True)
            if exchange is not None:
                exchange.meta = exchange.meta | {NOTE_META_KEY: f"/{ARCHIVE}/{name}"}
        written += 1
    if written:
        log.info("SFTP processing notes written", extra={"notes": written})
    return written
