"""accept(): archived, recorded and queued once per message id, whatever the transport."""

from __future__ import annotations

from sqlalchemy import func, select

from gateway.archive.chain import verify
from gateway.config import Settings
from gateway.db import get_database
from gateway.inbound.service import Received, accept
from gateway.models import ArchiveRecord, Exchange, ExchangeStatus, OutboxJob
from gateway.onboarding.service import create_partner
from tests.partners.factories import profile_data


def _partner(settings: Settings) -> int:
    with get_database(settings).transaction() as session:
        return create_partner(session, profile_data()).id


def test_accept_archives_records_and_queues(migrated: Settings) -> None:
    partner_id = _partner(migrated)
    received = Received(partner_id, "sftp", b"ISA*00*...~", "po.edi", "sftp:abc:po.edi", meta={"size": 11})
    with get_database(migrated).transaction() as session:
        result = accept(session, migrated, received)
    assert result.duplicate is False
    with get_database(migrated).sessions() as session:
        exchange = session.get(Exchange, result.exchange_id)
        assert exchange is not None
        assert (exchange.status, exchange.filename, exchange.size) == (ExchangeStatus.RECEIVED, "po.edi", 11)
        record = session.scalar(select(ArchiveRecord).where(ArchiveRecord.subject_id == exchange.id))
        assert record is not None and record.content_sha256 == exchange.content_sha256
        job = session.scalar(select(OutboxJob).where(OutboxJob.subject_id == exchange.id))
        assert job is not None and job.task == "inbound.process_exchange"
        assert verify(session, migrated.resolved_archive_dir).ok


def test_same_message_id_twice_is_a_duplicate(migrated: Settings) -> None:
    partner_id = _partner(migrated)
    received = Received(partner_id, "as2", b"payload", None, "<m1@acme>")
    db = get_database(migrated)
    with db.transaction() as session:
        first = accept(session, migrated, received)
    with db.transaction() as session:
        second = accept(session, migrated, received)
    assert second == type(second)(first.exchange_id, duplicate=True)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Exchange)) == 1
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == 1
        assert session.get(Exchange, first.exchange_id).duplicate_count == 1  # type: ignore[union-attr]


def test_same_message_id_on_another_transport_is_another_exchange(migrated: Settings) -> None:
    partner_id = _partner(migrated)
    with get_database(migrated).transaction() as session:
        a = accept(session, migrated, Received(partner_id, "as2", b"x", None, "id-1"))
        b = accept(session, migrated, Received(partner_id, "rest", b"x", None, "id-1"))
    assert a.exchange_id != b.exchange_id
