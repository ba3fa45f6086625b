"""End to end with real processes on PostgreSQL + RabbitMQ (no eager mode): the ERP posts a PO, a worker
sends the 850 over AS2 to the partner's HTTP endpoint and archives its signed MDN; the partner's 855
comes back, a worker translates it, acknowledges it with a 997 and another job reconciles it with the PO."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.inbound.service import Received, accept
from gateway.models import ArchiveRecord, Exchange, ExchangeStatus, Role
from gateway.models.reconciliation import Reconciliation
from tests.gateway.as2.keys import make_identity
from tests.gateway.outbound.as2_peer import as2_peer
from tests.gateway.outbound.conftest import add_partner_cert
from tests.integration.processes import Child, isolated_queues, start, stop_all, wait_until

from .conftest import add_our_station, add_partner, token, x12_profile
from .test_reconciliation import _ack_855, _from_partner, _po

pytestmark = pytest.mark.integration
WAIT_SECONDS = 90


@pytest.fixture
def children() -> Iterator[list[Child]]:
    running: list[Child] = []
    yield running
    stop_all(running)


def _exchange(settings: Settings, exchange_id: int) -> Exchange:
    with get_database(settings).sessions() as session:
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
        return exchange


def _reconciled(settings: Settings) -> Reconciliation | None:
    with get_database(settings).sessions() as session:
        return session.scalar(select(Reconciliation).where(Reconciliation.po_document_id.is_not(None)))


def test_erp_po_goes_out_over_as2_and_the_partners_855_is_reconciled_by_workers(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    us, partner = make_identity("gateway", tmp_path / "keys"), make_identity("partner", tmp_path / "keys")
    with isolated_queues(rabbit_url) as prefix, as2_peer([partner.pair], us.cert) as peer:
        settings = Settings(
            data_dir=tmp_path / "var", database_url=pg_url, broker_url=rabbit_url, queue_prefix=prefix,
            erp_connector="none", outbox_backoff_base_seconds=0.5,
        )  # fmt: skip
        upgrade(settings)
        add_our_station(settings, us)
        as2 = {"url": peer.url, "allow_insecure_http": True, "allow_private_network": True}
        partner_id = add_partner(settings, x12_profile(transports={"as2": as2, "outbound": "as2"}))
        add_partner_cert(settings, partner_id, partner.cert)
        children.append(start("relay", ["relay"], settings, tmp_path))
        children.append(start("worker", ["worker", "--concurrency", "2"], settings, tmp_path))

        with TestClient(create_app(settings)) as client:
            body = {"partner_id": partner_id, "document": _po("PO-E2E")}
            sent = client.post("/v1/documents", json=body, headers=token(settings, Role.OPERATOR)).json()
        exchange_id = sent["exchange_id"]
        wait_until(
            lambda: _exchange(settings, exchange_id).status is not ExchangeStatus.READY,
            WAIT_SECONDS, "the 850 to be sent and its MDN settled", children,
        )  # fmt: skip

        with get_database(settings).transaction() as session:
            answer = Received(
                partner_id, "as2", _from_partner(_ack_855("PO-E2E"), 701), "855.edi", "<855-e2e>"
            )
            accept(session, settings, answer)
        wait_until(
            lambda: _reconciled(settings) is not None, WAIT_SECONDS, "the 855 to be reconciled", children
        )
        wait_until(lambda: len(peer.received) == 2, WAIT_SECONDS, "our 997 for the 855 to be sent", children)

    exchange = _exchange(settings, exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    assert exchange.meta["mdn_status"] == "received"
    po_850, ack_997 = peer.received  # the second: our 997 for their 855
    assert po_850.payloads[0].data.startswith(b"ISA*") and b"BEG*00*SA*PO-E2E" in po_850.payloads[0].data
    assert b"ST*997*" in ack_997.payloads[0].data
    with get_database(settings).sessions() as session:
        kinds = set(
            session.scalars(select(ArchiveRecord.kind).where(ArchiveRecord.subject_id == exchange_id))
        )
    assert {"document-outbound", "as2-outbound", "as2-mdn-in"} <= kinds
    row = _reconciled(settings)
    assert row is not None and row.po_document_id == sent["document_id"]
    assert {d["type"] for d in row.deviations} == {"quantity", "date", "line_rejected"}
