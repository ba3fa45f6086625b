"""inbound.process_exchange on a real database: translation, spoofing, duplicates at every level,
partial rejection, functional acks with the partner's counters, ERP jobs."""

from __future__ import annotations

from sqlalchemy import func, select

from gateway.archive.blobs import get_blob
from gateway.config import Settings
from gateway.db import get_database
from gateway.inbound.processing import process_exchange
from gateway.inbound.service import Received, accept
from gateway.models import ArchiveRecord, Direction, Document, Exchange, ExchangeStatus, OutboxJob
from gateway.onboarding.service import create_partner
from tests.gateway.archived import archived
from tests.gateway.edi_samples import x12_850, x12_partner


def _setup(settings: Settings) -> int:
    with get_database(settings).transaction() as session:
        return create_partner(session, x12_partner()).id


def _receive_and_process(settings: Settings, partner_id: int, data: bytes, message_id: str) -> Exchange:
    db = get_database(settings)
    with db.transaction() as session:
        exchange_id = accept(
            session, settings, Received(partner_id, "as2", data, "po.edi", message_id)
        ).exchange_id
    with db.transaction() as session:
        process_exchange(session, settings, exchange_id)
    with db.sessions() as session:
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
        return exchange


def _count(settings: Settings, model: type, *where: object) -> int:
    with get_database(settings).sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def _acks(settings: Settings) -> list[tuple[Exchange, bytes]]:
    with get_database(settings).sessions() as session:
        rows = session.scalars(
            select(Exchange).where(Exchange.direction == Direction.OUTBOUND).order_by(Exchange.id)
        )
        return [(row, get_blob(session, settings.resolved_archive_dir, row.content_sha256)) for row in rows]


def test_purchase_order_is_stored_acknowledged_and_queued_for_the_erp(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    exchange = _receive_and_process(migrated, partner_id, x12_850(), "<m1@acme>")
    assert exchange.status == ExchangeStatus.PROCESSED, exchange.error
    assert exchange.syntax == "x12"
    with get_database(migrated).sessions() as session:
        document = session.scalar(select(Document))
        assert document is not None
        assert (document.kind, document.number, document.message_type) == ("purchase_order", "PO-1001", "850")
        assert document.canonical["lines"][1]["quantity"] == {"value": "10", "unit": "EA"}
        job = session.scalar(select(OutboxJob).where(OutboxJob.task == "erp.sync_document"))
        assert job is not None and job.subject_id == document.id
    [(ack, data)] = _acks(migrated)
    assert ack.related_exchange_id == exchange.id
    assert ack.status == ExchangeStatus.READY
    assert b"*ZZ*OURCO          *ZZ*ACMESUPPLY     *" in data
    assert b"000000001" in data.split(b"~")[0]
    assert b"AK9*A*1*1*1" in data
    with get_database(migrated).sessions() as session:
        archived = session.scalars(
            select(ArchiveRecord).where(
                ArchiveRecord.subject_type == "exchange", ArchiveRecord.subject_id == ack.id
            )
        ).all()
    assert [(r.kind, r.content_sha256) for r in archived] == [("ack-outbound", ack.content_sha256)]


def test_ack_control_numbers_come_from_the_partners_counter(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    for n in range(1, 4):
        _receive_and_process(migrated, partner_id, x12_850(f"PO-{n}", control=n), f"<m{n}@acme>")
    numbers = [data.split(b"~")[0].split(b"*")[13] for _, data in _acks(migrated)]
    assert numbers == [b"000000001", b"000000002", b"000000003"]


def test_resent_interchange_within_the_window_is_not_stored_again(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    _receive_and_process(migrated, partner_id, x12_850(control=5), "<first@acme>")
    again = _receive_and_process(migrated, partner_id, x12_850(control=5), "<resend@acme>")
    assert again.meta["duplicate_interchanges"] == ["000000005"]
    assert _count(migrated, Document) == 1
    assert _count(migrated, OutboxJob, OutboxJob.task == "erp.sync_document") == 1


def test_same_po_in_a_new_interchange_is_a_duplicate_document(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    _receive_and_process(migrated, partner_id, x12_850(control=1), "<a@acme>")
    second = _receive_and_process(migrated, partner_id, x12_850(control=2), "<b@acme>")
    assert second.meta["duplicate_documents"] == 1
    assert _count(migrated, Document) == 1


def test_envelope_of_another_partner_is_refused(migrated: Settings) -> None:
    _setup(migrated)
    with get_database(migrated).transaction() as session:
        mallory = create_partner(session, x12_partner("mallory", isa_id="MALLORY")).id
    exchange = _receive_and_process(migrated, mallory, x12_850(sender="ACMESUPPLY"), "<spoof@mallory>")
    assert exchange.status == ExchangeStatus.REJECTED
    assert "ZZ:ACMESUPPLY is not an identity of partner mallory" in (exchange.error or "")
    assert _count(migrated, Document) == 0


def test_garbage_is_rejected_with_a_located_error_and_kept(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    exchange = _receive_and_process(migrated, partner_id, b"this is not EDI at all", "<junk@acme>")
    assert exchange.status == ExchangeStatus.REJECTED
    assert exchange.error
    assert archived(migrated, exchange.content_sha256) == b"this is not EDI at all"


def test_bad_set_is_rejected_in_the_997_while_good_sets_flow(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    good = x12_850("PO-GOOD", control=9).decode()
    head, rest = good.split("ST*850*0001~", 1)
    body, tail = rest.split("GE*1*9~", 1)
    bad_body = (
        body.replace("0001~", "0002~")
        .replace("BEG*00*SA*PO-GOOD", "BEG*00*SA*PO-BAD")
        .replace("PO1*1*5*EA~", "PO1*1*FIVE*EA~")
    )
    data = f"{head}ST*850*0001~{body}ST*850*0002~{bad_body}GE*2*9~{tail}".encode()
    exchange = _receive_and_process(migrated, partner_id, data, "<mixed@acme>")
    assert exchange.status == ExchangeStatus.PARTIAL
    assert exchange.meta["rejected_messages"] == 1
    with get_database(migrated).sessions() as session:
        assert list(session.scalars(select(Document.number))) == ["PO-GOOD"]
    [(_, ack)] = _acks(migrated)
    assert b"AK2*850*0002" in ack
    assert b"AK5*R" in ack
    assert b"AK9*P*2*2*1" in ack


def test_each_ack_of_one_file_gets_its_own_control_number(migrated: Settings) -> None:
    partner_id = _setup(migrated)
    two_interchanges = x12_850("PO-A", control=11) + x12_850("PO-B", control=12)
    exchange = _receive_and_process(migrated, partner_id, two_interchanges, "<two@acme>")
    assert exchange.status == ExchangeStatus.PROCESSED, exchange.error
    numbers = [data.split(b"~")[0].split(b"*")[13] for _, data in _acks(migrated)]
    assert numbers == [b"000000001", b"000000002"]
    _receive_and_process(migrated, partner_id, x12_850("PO-C", control=13), "<three@acme>")
    numbers = [data.split(b"~")[0].split(b"*")[13] for _, data in _acks(migrated)]
    assert numbers[-1] == b"000000003", "the counter moved past both acks of the first file"
