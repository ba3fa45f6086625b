"""End to end with real processes on PostgreSQL + RabbitMQ: a partner's 850 arrives at POST /as2, a
worker translates it and renders the 997, and another job sends that 997 back over AS2 to the partner's
real HTTP endpoint, whose signed MDN is verified and archived with the exchange (DESIGN.md §3)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.as2 import OutboundPayload, SendOptions, build_message
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import ArchiveRecord, Direction, Exchange, ExchangeStatus
from gateway.models.base import utcnow
from gateway.outbound.service import ASYNC_MDN_WAIT, handle_incoming_mdn, overdue_mdns
from tests.gateway.as2.keys import Identity, make_identity
from tests.gateway.edi_samples import x12_850
from tests.gateway.outbound.as2_peer import ASYNC, as2_peer
from tests.gateway.outbound.conftest import Outbound, add_partner, add_station, ready_exchange
from tests.integration.processes import (
    Child,
    isolated_queues,
    start_relay_and_worker,
    wait_until,
)

pytestmark = pytest.mark.integration


def _ack(settings: Settings) -> Exchange | None:
    with get_database(settings).sessions() as session:
        return session.scalar(select(Exchange).where(Exchange.direction == Direction.OUTBOUND))


def _settled(settings: Settings) -> bool:
    ack = _ack(settings)
    return ack is not None and ack.status is not ExchangeStatus.READY


def test_inbound_850_is_acknowledged_with_a_997_sent_over_as2_and_its_mdn_archived(
    tmp_path: Path, pg_url: str, rabbit_url: str, children: list[Child]
) -> None:
    us, partner = make_identity("gateway", tmp_path / "keys"), make_identity("partner", tmp_path / "keys")
    with isolated_queues(rabbit_url) as prefix, as2_peer([partner.pair], us.cert) as peer:
        settings = Settings(
            data_dir=tmp_path / "var", database_url=pg_url, broker_url=rabbit_url, queue_prefix=prefix,
            erp_connector="none", outbox_backoff_base_seconds=0.5,
        )  # fmt: skip
        upgrade(settings)
        add_station(settings, us)
        add_partner(settings, peer.url, partner.cert)
        start_relay_and_worker(settings, tmp_path, children)

        _post_850(settings, partner, us)
        wait_until(lambda: _settled(settings), 90, "the 997 to be sent and its MDN settled", children)

    ack = _ack(settings)
    assert ack is not None
    assert ack.status == ExchangeStatus.SENT, ack.error
    assert ack.meta["mdn_status"] == "received"
    [received] = peer.received
    assert received.layers == ("encrypted", "signed")
    assert b"AK9*A*1*1*1" in received.payloads[0].data
    assert received.payloads[0].filename == ack.filename
    with get_database(settings).sessions() as session:
        kinds = list(
            session.scalars(
                select(ArchiveRecord.kind)
                .where(ArchiveRecord.subject_id == ack.id)
                .order_by(ArchiveRecord.seq)
            )
        )
        mdn = session.scalar(select(ArchiveRecord).where(ArchiveRecord.kind == "as2-mdn-in"))
    assert kinds[-2:] == ["as2-outbound", "as2-mdn-in"]
    assert mdn is not None and mdn.meta["accepted"] is True and mdn.meta["positive"] is True
    assert mdn.meta["original_message_id"] == ack.meta["as2_message_id"]


def _post_850(settings: Settings, partner: Identity, us: Identity) -> None:
    options = SendOptions(as2_from="partner", as2_to="gateway", sign_with=partner.pair, encrypt_to=[us.cert])
    message = build_message(
        OutboundPayload(x12_850("PO-E2E"), filename="po.edi"),
        options,
        message_id="<po-e2e@partner>",
        now=utcnow(),
    )
    with TestClient(create_app(settings)) as client:
        response = client.post("/as2", content=message.body, headers=list(message.headers))
    assert response.status_code == 200, response.text
    assert b"processed" in response.content


def test_async_mdn_lookup_and_overdue_queries_on_postgresql(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.outbound.tasks as tasks

    us, partner = make_identity("gateway", tmp_path / "keys"), make_identity("partner", tmp_path / "keys")
    settings = Settings(data_dir=tmp_path / "var", database_url=pg_url, as2_public_url="https://gw.example")
    upgrade(settings)
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    outbound = Outbound(settings)
    with as2_peer([partner.pair], us.cert, [ASYNC]) as peer:
        add_station(settings, us)
        exchange_id = ready_exchange(
            settings, add_partner(settings, peer.url, partner.cert, mdn_mode="async")
        )
        assert outbound.run(exchange_id)
    later = utcnow() + ASYNC_MDN_WAIT + timedelta(minutes=1)
    with get_database(settings).transaction() as session:
        assert [e.id for e in overdue_mdns(session, later)] == [exchange_id]
        assert overdue_mdns(session, utcnow()) == []
    [mdn] = peer.async_mdns
    with get_database(settings).transaction() as session:
        assert handle_incoming_mdn(session, settings, list(mdn.headers), mdn.body)
    assert outbound.exchange(exchange_id).meta["mdn_status"] == "received"
    with get_database(settings).sessions() as session:
        assert overdue_mdns(session, later) == []
