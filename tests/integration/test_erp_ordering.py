"""Ordering towards the ERP and the staging polling hook with real relay and worker processes on
PostgreSQL + RabbitMQ: a ship notice that arrives before its PO reaches the ERP only after the PO (which
the ERP first refuses with a 503), and rows the ERP writes into its outbound staging table are taken by
the periodic poll, each once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, insert, select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.erp.staging import DEFAULT_OUTBOUND_TABLE, staging_metadata
from gateway.inbound.service import Received, accept
from gateway.models import Document, JobStatus, OutboxJob
from tests.gateway.documents.conftest import add_our_station, add_partner, staging_rows, x12_profile
from tests.gateway.documents.test_erp_ordering import _notice, _supplier_profile
from tests.gateway.documents.test_reconciliation import _from_partner
from tests.gateway.edi_samples import purchase_order
from tests.gateway.erp_server import erp_endpoint
from tests.integration.processes import (
    Child,
    isolated_queues,
    start,
    start_relay_and_worker,
    wait_until,
)

pytestmark = pytest.mark.integration


def _receive(settings: Settings, partner_id: int, data: bytes, message_id: str) -> None:
    with get_database(settings).transaction() as session:
        accept(session, settings, Received(partner_id, "as2", data, "in.edi", message_id))


def _erp_jobs(settings: Settings) -> list[OutboxJob]:
    with get_database(settings).sessions() as session:
        stmt = select(OutboxJob).where(OutboxJob.task == "erp.sync_document").order_by(OutboxJob.id)
        return list(session.scalars(stmt))


def _waiting(settings: Settings) -> bool:
    return any(j.args.get("waiting_for") for j in _erp_jobs(settings))


def test_a_ship_notice_reaches_the_erp_only_after_its_po(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix, erp_endpoint([503]) as erp:
        settings = Settings(
            data_dir=tmp_path / "var",
            database_url=pg_url,
            broker_url=rabbit_url,
            queue_prefix=prefix,
            erp_connector="webhook",
            erp_webhook_url=erp.url,
            outbox_backoff_base_seconds=0.5,
        )
        upgrade(settings)
        add_our_station(settings)
        partner_id = add_partner(settings, _supplier_profile())
        start_relay_and_worker(settings, tmp_path, children)

        _receive(settings, partner_id, _from_partner(_notice("PO-31"), 701), "<856@acme>")
        wait_until(lambda: _waiting(settings), 60, "the ship notice to wait for its PO", children)
        _receive(settings, partner_id, _from_partner(purchase_order("PO-31"), 702), "<850@acme>")

        wait_until(lambda: len(erp.documents()) == 2, 90, "both documents at the ERP", children)
        wait_until(
            lambda: {j.status for j in _erp_jobs(settings)} == {JobStatus.DONE}, 30, "the jobs done", children
        )

    arrivals = [(h["x-answered"], json.loads(body)["kind"]) for h, body in erp.requests]
    assert arrivals == [("503", "purchase_order"), ("200", "purchase_order"), ("200", "ship_notice")]
    notice_job = _erp_jobs(settings)[0]
    assert (notice_job.attempts, notice_job.args["waiting_for"]) == (1, f"po:{partner_id}:PO-31")


def _po(number: str) -> dict[str, Any]:
    line = {"line_number": "1", "quantity": {"value": "4", "unit": "EA"}}
    return {"kind": "purchase_order", "po_number": number, "order_date": "2026-11-20", "lines": [line]}


def test_the_periodic_poll_takes_each_staged_row_once(
    tmp_path: Path, pg_url: str, staging_pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix:
        settings = Settings(
            data_dir=tmp_path / "var",
            database_url=pg_url,
            broker_url=rabbit_url,
            queue_prefix=prefix,
            erp_connector="none",
            erp_staging_url=SecretStr(staging_pg_url),
            erp_staging_outbound_table=DEFAULT_OUTBOUND_TABLE,
            erp_staging_poll_seconds=1,
            outbox_stale_after_seconds=4,
        )
        upgrade(settings)
        add_our_station(settings)
        add_partner(settings, x12_profile())
        table = staging_metadata().tables[DEFAULT_OUTBOUND_TABLE]
        engine = create_engine(staging_pg_url)
        with engine.begin() as conn:
            for n in range(8):
                conn.execute(insert(table).values(partner="acme", document=json.dumps(_po(f"PO-{n}"))))
        engine.dispose()
        children.append(start("relay", ["relay"], settings, tmp_path))
        children.append(start("worker-1", ["worker", "--concurrency", "2"], settings, tmp_path))
        children.append(start("worker-2", ["worker", "--concurrency", "2"], settings, tmp_path))

        def all_taken() -> bool:
            return {r["status"] for r in staging_rows(staging_pg_url, DEFAULT_OUTBOUND_TABLE)} == {"taken"}

        wait_until(all_taken, 90, "every staged row taken", children)

    rows = staging_rows(staging_pg_url, DEFAULT_OUTBOUND_TABLE)
    with get_database(settings).sessions() as session:
        documents = {d.id: d.number for d in session.scalars(select(Document))}
    assert sorted(documents.values()) == sorted(f"PO-{n}" for n in range(8))
    assert {r["document_id"] for r in rows} == set(documents)
