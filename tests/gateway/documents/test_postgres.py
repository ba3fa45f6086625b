"""The documents API on PostgreSQL: ERPs posting at once get distinct, consecutive control numbers and
one document per business key; reconciliation and functional-ack linking work on JSONB."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.documents import reconciliation
from gateway.documents.service import send_document
from gateway.errors import ConflictError
from gateway.models import Document, Exchange
from gateway.models.exchange import ExchangeStatus
from translators.canonical import FunctionalAck, GroupAck, document_from_dict

from .conftest import add_our_station, add_partner, receive, run_reconcile_jobs, x12_profile
from .test_reconciliation import _ack_855, _from_partner, _po

pytestmark = pytest.mark.integration
THREADS = 6


@pytest.fixture
def pg(tmp_path: Path, pg_url: str) -> Settings:
    settings = Settings(data_dir=tmp_path, database_url=pg_url, log_format="text")
    upgrade(settings)
    return settings


def _race(count: int, work: Callable[[int], str]) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        barrier.wait()
        outcomes.append(work(n))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _sender(settings: Settings, partner_id: int, number: Callable[[int], str]) -> Callable[[int], str]:
    def work(n: int) -> str:
        try:
            with get_database(settings).transaction() as session:
                sent = send_document(session, settings, partner_id, document_from_dict(_po(number(n))))
                return f"created:{sent.document.interchange_ref}" if sent.created else "existing"
        except ConflictError:
            return "conflict"

    return work


def test_concurrent_posts_get_distinct_consecutive_numbers(pg: Settings) -> None:
    add_our_station(pg)
    partner_id = add_partner(pg, x12_profile())
    outcomes = _race(THREADS, _sender(pg, partner_id, lambda n: f"PO-{n}"))
    assert sorted(outcomes) == sorted(f"created:{n}" for n in range(1, THREADS + 1))


def test_concurrent_posts_of_one_po_store_it_once_without_using_up_numbers(pg: Settings) -> None:
    add_our_station(pg)
    partner_id = add_partner(pg, x12_profile())
    outcomes = _race(THREADS, _sender(pg, partner_id, lambda _n: "PO-SAME"))
    assert outcomes.count("created:1") == 1
    assert set(outcomes) <= {"created:1", "existing", "conflict"}
    assert _sender(pg, partner_id, lambda _n: "PO-NEXT")(0) == "created:2"
    with get_database(pg).sessions() as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 2


def test_reconciliation_and_ack_links_on_postgres(pg: Settings) -> None:
    add_our_station(pg)
    partner_id = add_partner(pg, x12_profile())
    with get_database(pg).transaction() as session:
        sent = send_document(session, pg, partner_id, document_from_dict(_po("PO-PG")))
        exchange_id, po_id = sent.exchange.id, sent.document.id
    receive(pg, partner_id, _from_partner(_ack_855("PO-PG"), 601), "<855-pg@acme>")
    group = GroupAck(functional_id="PO", control_number="1", version="004010", status="accepted")
    receive(pg, partner_id, _from_partner(FunctionalAck(groups=(group,)), 602), "<997-pg@acme>")
    run_reconcile_jobs(pg)
    with get_database(pg).sessions() as session:
        [row] = reconciliation.reconciliation_of(session, po_id)
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
    assert (row.po_document_id, len(row.deviations)) == (po_id, 3)
    meta: dict[str, Any] = exchange.meta
    assert (exchange.status, meta["ack_status"]) == (ExchangeStatus.READY, "received")
