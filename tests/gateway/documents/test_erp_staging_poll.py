"""The staging connector's polling hook on real databases (SQLite and PostgreSQL as the ERP's staging DB):
rows the ERP writes become documents for partners exactly as ``POST /v1/documents`` makes them, each row is
taken once (also by concurrent pollers and after a crash between our commit and the mark), and a row
that cannot be sent is marked with the reason."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, func, insert, select

from gateway.config import Settings
from gateway.db import get_database
from gateway.documents.service import send_document
from gateway.erp import polling
from gateway.erp.staging import DEFAULT_OUTBOUND_TABLE, staging_metadata
from gateway.erp.tasks import poll_staging
from gateway.maintenance.schedule import schedule_due
from gateway.models import Document, Exchange, ExchangeStatus, JobStatus, OutboxJob
from gateway.outbox import run_job
from translators.canonical import document_from_dict

from .conftest import add_our_station, add_partner, create_default_tables, staging_rows, x12_profile

OUTBOUND = DEFAULT_OUTBOUND_TABLE


def _po(number: str) -> dict[str, Any]:
    return {
        "kind": "purchase_order",
        "po_number": number,
        "order_date": "2026-11-20",
        "lines": [{"line_number": "1", "quantity": {"value": "10", "unit": "EA"}}],
    }


def _write(url: str, *rows: tuple[str, Any]) -> None:
    """The ERP writes rows for partners (partner code, canonical JSON)."""
    table = staging_metadata().tables[DEFAULT_OUTBOUND_TABLE]
    engine = create_engine(url)
    with engine.begin() as conn:
        for partner, document in rows:
            text = document if isinstance(document, str) else json.dumps(document)
            conn.execute(insert(table).values(partner=partner, document=text))
    engine.dispose()


@pytest.fixture
def polled(migrated: Settings, staging_url: str) -> Settings:
    create_default_tables(staging_url)
    add_our_station(migrated)
    add_partner(migrated, x12_profile())
    staging = {
        "erp_staging_url": SecretStr(staging_url),
        "erp_staging_outbound_table": DEFAULT_OUTBOUND_TABLE,
    }
    return migrated.model_copy(update=staging)


def _documents(settings: Settings) -> list[Document]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(Document).order_by(Document.id)))


def test_rows_become_documents_and_bad_rows_are_marked(polled: Settings, staging_url: str) -> None:
    _write(
        staging_url,
        ("acme", _po("PO-1")),
        ("nobody", _po("PO-2")),
        ("acme", {"kind": "purchase_order", "po_number": "PO-3"}),
        ("acme", "{not json"),
        ("acme", _po("PO-4")),
    )

    first = polling.poll(polled)
    again = polling.poll(polled)

    assert (first.taken, first.refused) == (2, 3)
    assert (again.taken, again.refused) == (0, 0)
    rows = staging_rows(staging_url, DEFAULT_OUTBOUND_TABLE)
    assert [r["status"] for r in rows] == ["taken", "error", "error", "error", "taken"]
    assert "partner 'nobody' does not exist" in rows[1]["error"]
    assert "order_date" in rows[2]["error"]
    assert "JSONDecodeError" in rows[3]["error"]
    documents = _documents(polled)
    assert [(d.number, d.id) for d in documents] == [
        ("PO-1", rows[0]["document_id"]),
        ("PO-4", rows[4]["document_id"]),
    ]
    with get_database(polled).sessions() as session:
        exchange = session.get(Exchange, rows[0]["exchange_id"])
        assert exchange is not None
        assert exchange.status == ExchangeStatus.READY
        assert exchange.meta["idempotency_key"] == f"staging:{DEFAULT_OUTBOUND_TABLE}:{rows[0]['id']}"
        assert exchange.meta["interchange_control_number"] == 1
        sends = select(func.count()).select_from(OutboxJob).where(OutboxJob.task == "outbound.send_exchange")
        assert session.scalar(sends) == 2, "each taken row is queued for the partner's transport once"


def test_a_row_sent_before_a_crash_is_marked_not_sent_again(polled: Settings, staging_url: str) -> None:
    """Our commit happened, the mark did not (crash in between): the next poll finds the document by the
    row's idempotency key."""
    _write(staging_url, ("acme", _po("PO-7")))
    [row] = staging_rows(staging_url, DEFAULT_OUTBOUND_TABLE)
    with get_database(polled).transaction() as session:
        partner = add_partner_id(session)
        sent = send_document(
            session,
            polled,
            partner,
            document_from_dict(_po("PO-7")),
            idempotency_key=polling.idempotency_key(DEFAULT_OUTBOUND_TABLE, row["id"]),
        )

    assert polling.poll(polled).taken == 1

    [row] = staging_rows(staging_url, DEFAULT_OUTBOUND_TABLE)
    assert (row["status"], row["document_id"]) == ("taken", sent.document.id)
    assert len(_documents(polled)) == 1


def add_partner_id(session: Any) -> int:
    from gateway.models.partner import Partner

    found = session.scalar(select(Partner.id).where(Partner.code == "acme"))
    assert found is not None
    return int(found)


def test_concurrent_pollers_take_each_row_once(polled: Settings, staging_url: str) -> None:
    _write(staging_url, *[("acme", _po(f"PO-{n}")) for n in range(12)])
    results: list[polling.Polled] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(polling.poll(polled))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sum(r.taken for r in results) == 12
    rows = staging_rows(staging_url, DEFAULT_OUTBOUND_TABLE)
    assert {r["status"] for r in rows} == {"taken"}
    assert sorted(d.number for d in _documents(polled)) == sorted(f"PO-{n}" for n in range(12))
    assert len({r["document_id"] for r in rows}) == 12


def test_the_periodic_poll_job_is_scheduled_only_when_configured(
    polled: Settings, migrated: Settings, staging_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.erp.tasks as tasks

    db = get_database(migrated)
    schedule_due(db, migrated)
    with db.sessions() as session:
        assert session.scalar(select(OutboxJob).where(OutboxJob.task == "erp.poll_staging")) is None

    _write(staging_url, ("acme", _po("PO-5")))
    monkeypatch.setattr(tasks, "get_settings", lambda: polled)
    schedule_due(db, polled)
    with db.sessions() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.task == "erp.poll_staging"))
        assert job is not None
    assert run_job(polled, job.id, poll_staging)

    with db.sessions() as session:
        done = session.get(OutboxJob, job.id)
        assert done is not None
        assert (done.status, done.args) == (JobStatus.DONE, {"taken": 1, "refused": 0})
    assert [d.number for d in _documents(polled)] == ["PO-5"]
