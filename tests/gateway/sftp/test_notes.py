"""Notes for files the inbound pipeline rejected after they were taken: the real processing step
rejects a file that is not EDI, and a readable note appears beside it in ``archive/``, once."""

from __future__ import annotations

from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database
from gateway.inbound.processing import process_exchange
from gateway.models.exchange import Exchange, ExchangeStatus
from gateway.sftp.layout import ensure_partner_dirs
from gateway.sftp.notes import write_processing_notes
from gateway.sftp.watcher import InboxWatcher
from tests.gateway.sftp.helpers import add_partner, sftp_profile
from tests.partners.factories import ed25519_line


def test_a_rejected_inbox_file_gets_a_note_in_archive_once(sftp_settings: Settings) -> None:
    settings = sftp_settings.model_copy(update={"sftp_settle_seconds": 0.0})
    add_partner(settings, sftp_profile("acme", inbound_keys=[ed25519_line()]))
    folder = ensure_partner_dirs(settings, "acme")
    (folder / "inbox" / "orders.txt").write_bytes(b"this is not an interchange")
    [taken] = InboxWatcher(settings).scan(0.0)
    assert taken.result is not None
    assert write_processing_notes(settings) == 0, "nothing to say before processing"

    db = get_database(settings)
    with db.transaction() as session:
        process_exchange(session, settings, taken.result.exchange_id)
    with db.sessions() as session:
        exchange = session.scalars(select(Exchange)).one()
    assert exchange.status is ExchangeStatus.REJECTED

    assert write_processing_notes(settings) == 1
    note = folder / "archive" / f"orders.txt.exchange-{exchange.id}.error"
    text = note.read_text()
    assert "file: orders.txt" in text and "status: rejected" in text
    assert (exchange.error or "").splitlines()[0] in text
    assert write_processing_notes(settings) == 0, "one note per exchange"
    with db.sessions() as session:
        flagged = session.scalars(select(Exchange)).one()
    assert flagged.meta["sftp_error_note"] == f"/archive/{note.name}"
    assert (folder / "archive" / "orders.txt").read_bytes() == b"this is not an interchange"
