"""The inbound pipeline with real processes on PostgreSQL + RabbitMQ: a received 850 reaches a real
ERP endpoint exactly once, with duplicates and an ERP outage on the way (DESIGN.md §3-4)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.inbound.service import Received, accept
from gateway.models import Direction, Exchange, ExchangeStatus, JobStatus, OutboxJob
from gateway.onboarding.service import create_partner
from tests.gateway.edi_samples import x12_850, x12_partner
from tests.gateway.erp_server import ErpEndpoint, erp_endpoint
from tests.integration.processes import (
    Child,
    isolated_queues,
    start_relay_and_worker,
    wait_until,
)

pytestmark = pytest.mark.integration


def _start(
    tmp_path: Path, pg_url: str, rabbit_url: str, prefix: str, erp: ErpEndpoint, children: list[Child]
) -> Settings:
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
    start_relay_and_worker(settings, tmp_path, children)
    return settings


def _receive(settings: Settings, partner_id: int, data: bytes, message_id: str) -> int:
    with get_database(settings).transaction() as session:
        return accept(session, settings, Received(partner_id, "as2", data, "po.edi", message_id)).exchange_id


def _erp_jobs_done(settings: Settings) -> bool:
    with get_database(settings).sessions() as session:
        statuses = list(
            session.scalars(select(OutboxJob.status).where(OutboxJob.task == "erp.sync_document"))
        )
    return bool(statuses) and all(s == JobStatus.DONE for s in statuses)


def test_po_reaches_the_erp_once_through_duplicates_and_an_outage(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    with isolated_queues(rabbit_url) as prefix, erp_endpoint([503, 503]) as erp:
        settings = _start(tmp_path, pg_url, rabbit_url, prefix, erp, children)
        with get_database(settings).transaction() as session:
            partner_id = create_partner(session, x12_partner()).id
        first = _receive(settings, partner_id, x12_850("PO-77", control=1), "<m1@acme>")
        _receive(settings, partner_id, x12_850("PO-77", control=1), "<m1@acme>")  # same Message-ID
        _receive(settings, partner_id, x12_850("PO-77", control=1), "<m2@acme>")  # resent interchange
        _receive(settings, partner_id, x12_850("PO-77", control=2), "<m3@acme>")  # same PO again

        wait_until(lambda: _erp_jobs_done(settings), 90, "ERP delivery after the outage", children)
        wait_until(lambda: len(erp.requests) >= 3, 30, "three ERP requests", children)

        assert [d["document"]["po_number"] for d in erp.documents()] == ["PO-77"]
        assert [h["x-answered"] for h, _ in erp.requests] == ["503", "503", "200"]
        with get_database(settings).sessions() as session:
            inbound = list(
                session.scalars(
                    select(Exchange).where(Exchange.direction == Direction.INBOUND).order_by(Exchange.id)
                )
            )
            acks = list(session.scalars(select(Exchange).where(Exchange.direction == Direction.OUTBOUND)))
        assert len(inbound) == 3
        assert inbound[0].id == first
        assert inbound[0].duplicate_count == 1
        assert all(e.status == ExchangeStatus.PROCESSED for e in inbound)
        # the two copies of interchange 1 are processed concurrently: either may be the duplicate
        resent = sorted(tuple(e.meta["duplicate_interchanges"]) for e in inbound[:2])
        assert resent == [(), ("000000001",)]
        assert inbound[2].meta["duplicate_documents"] == 1
        assert len(acks) == 3, "every interchange received is acknowledged"
