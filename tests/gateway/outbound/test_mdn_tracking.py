"""Asynchronous MDNs matched to our messages (verified, archived, repeats and forgeries kept apart),
MDN-overdue tracking, the operator resend API, and the REST and SFTP outbound transports."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.as2 import Mdn, MdnRequest, build_mdn, disposition_text
from gateway.as2.errors import AuthenticationFailedError
from gateway.auth.service import create_token
from gateway.cli import app as cli_app
from gateway.config import get_settings
from gateway.db import get_database
from gateway.maintenance.schedule import PERIODIC
from gateway.models import ArchiveRecord, AuditEvent, JobStatus
from gateway.models.auth import Role
from gateway.models.base import utcnow
from gateway.models.exchange import Exchange, ExchangeStatus
from gateway.onboarding.service import create_partner
from gateway.outbound.service import (
    ASYNC_MDN_WAIT,
    SWEEP_OVERDUE_TASK,
    check_mdn_due,
    handle_incoming_mdn,
    overdue_mdns,
)
from gateway.outbox import enqueue, run_job
from gateway.sftp.credentials import generate_client_key
from gateway.sftp.ssh import public_line
from tests.gateway.as2.keys import Identity
from tests.gateway.sftp.conftest import start_embedded
from tests.gateway.sftp.helpers import sftp_profile
from tests.partners.factories import ed25519_line

from .as2_peer import ASYNC, NEGATIVE, As2Peer
from .conftest import PAYLOAD, Outbound, add_partner, add_station, ready_exchange

PUBLIC_URL = "https://gw.example"


@pytest.fixture
def async_outbound(outbound: Outbound, monkeypatch: pytest.MonkeyPatch) -> Outbound:
    import gateway.outbound.tasks as tasks

    outbound.settings = outbound.settings.model_copy(update={"as2_public_url": PUBLIC_URL})
    monkeypatch.setattr(tasks, "get_settings", lambda: outbound.settings)
    return outbound


def _sent_async(outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer) -> int:
    """Rendered while the partner still fetched over REST, sent after it switched to AS2."""
    peer.script[:] = [ASYNC]
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, partner.cert, mdn_mode="async")
    exchange_id = ready_exchange(outbound.settings, partner_id, transport="rest")
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).transport == "as2"
    return exchange_id


def _deliver(outbound: Outbound, mdn: Mdn, body: bytes | None = None) -> bool:
    with get_database(outbound.settings).transaction() as session:
        return handle_incoming_mdn(session, outbound.settings, list(mdn.headers), body or mdn.body)


def _mdn_records(outbound: Outbound, exchange_id: int) -> list[dict[str, Any]]:
    with get_database(outbound.settings).sessions() as session:
        rows = session.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.kind == "as2-mdn-in", ArchiveRecord.subject_id == exchange_id)
            .order_by(ArchiveRecord.seq)
        )
        return [r.meta for r in rows]


def test_async_mdn_settles_the_exchange_once_and_forgeries_do_not(
    async_outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    outbound = async_outbound
    exchange_id = _sent_async(outbound, us, partner, peer)
    waiting = outbound.exchange(exchange_id)
    assert waiting.status == ExchangeStatus.SENT
    assert waiting.meta["mdn_status"] == "awaiting"
    assert dict(peer.requests[0][0])["Receipt-Delivery-Option"] == f"{PUBLIC_URL}/as2"
    [mdn] = peer.async_mdns

    assert _deliver(outbound, mdn, mdn.body.replace(b"processed", b"Processed", 1)) is True
    forged = outbound.exchange(exchange_id)
    assert forged.meta["mdn_status"] == "awaiting", "a forged MDN settles nothing"
    assert "MDN signature" in forged.meta["mdn_unsettled"][0]["note"]

    assert _deliver(outbound, mdn) is True
    settled = outbound.exchange(exchange_id)
    assert (settled.status, settled.meta["mdn_status"]) == (ExchangeStatus.SENT, "received")
    assert settled.meta["mdn"]["received_mic"] == settled.meta["as2"]["mic"]

    assert _deliver(outbound, mdn) is True
    assert len(outbound.exchange(exchange_id).meta["mdn_unsettled"]) == 2
    assert [m.get("accepted") for m in _mdn_records(outbound, exchange_id)] == [None, True, None]


def test_mdn_for_a_message_we_never_sent_is_not_ours(
    async_outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    _sent_async(async_outbound, us, partner, peer)
    request = MdnRequest.from_headers(
        {"Message-ID": "<never-sent@edigw.local>", "AS2-From": "gateway", "AS2-To": "partner",
         "Disposition-Notification-To": "x", "Disposition-Notification-Options":
         "signed-receipt-protocol=optional, pkcs7-signature; signed-receipt-micalg=optional, sha-256"}
    )  # fmt: skip
    stray = build_mdn(
        request, disposition=disposition_text(), message_id="<m@peer>", now=utcnow(), sign_with=partner.pair
    )
    assert _deliver(async_outbound, stray) is False


def test_negative_async_mdn_fails_the_exchange(
    async_outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _sent_async(async_outbound, us, partner, peer)
    request = MdnRequest.from_headers(peer.requests[0][0])
    negative = build_mdn(
        request,
        disposition=disposition_text(AuthenticationFailedError("bad signature")),
        message_id="<neg@peer>",
        now=utcnow(),
        sign_with=partner.pair,
    )
    assert _deliver(async_outbound, negative) is True
    exchange = async_outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert exchange.error is not None and exchange.error.endswith("processed/error: authentication-failed")


def test_overdue_mdn_is_tracked_and_the_operator_resends_the_same_bytes(
    async_outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    outbound = async_outbound
    exchange_id = _sent_async(outbound, us, partner, peer)
    [check_job] = outbound.job_ids("outbound.check_mdn", exchange_id)
    assert outbound.run(exchange_id, "outbound.check_mdn")
    assert outbound.exchange(exchange_id).meta["mdn_status"] == "awaiting", "not due yet"
    later = utcnow() + ASYNC_MDN_WAIT + timedelta(minutes=1)
    with get_database(outbound.settings).transaction() as session:
        assert overdue_mdns(session, utcnow()) == []
        assert [e.id for e in overdue_mdns(session, later)] == [exchange_id]
        assert check_mdn_due(session, exchange_id, later) is True
    assert outbound.exchange(exchange_id).meta["mdn_status"] == "overdue"
    assert outbound.job(check_job).status == JobStatus.DONE

    with get_database(outbound.settings).transaction() as session:
        _, operator = create_token(session, "ops", Role.OPERATOR)
        _, auditor = create_token(session, "audit", Role.AUDITOR)
    with TestClient(create_app(outbound.settings)) as client:
        listed = client.get(
            "/v1/admin/exchanges/overdue-mdns", headers={"Authorization": f"Bearer {auditor}"}
        )
        assert listed.status_code == 200
        assert listed.json() == [], "the API asks with the real clock: not yet overdue by time"
        url = f"/v1/admin/exchanges/{exchange_id}/resend"
        assert client.post(url, headers={"Authorization": f"Bearer {auditor}"}).status_code == 403
        response = client.post(url, headers={"Authorization": f"Bearer {operator}"})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "ready"
        again = client.post(url, headers={"Authorization": f"Bearer {operator}"})
        assert again.status_code == 409
        missing = client.post(
            "/v1/admin/exchanges/999999/resend", headers={"Authorization": f"Bearer {operator}"}
        )
        assert missing.status_code == 404
    peer.script[:] = [ASYNC]
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).meta["mdn_status"] == "awaiting"
    first, second = peer.requests
    assert first[1] == second[1]
    assert dict(first[0])["Message-ID"] == dict(second[0])["Message-ID"]
    with get_database(outbound.settings).sessions() as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "exchange.resend"))
    assert len(outbound.job_ids("outbound.check_mdn", exchange_id)) == 2


def test_failed_exchange_resent_by_the_operator_goes_out_byte_identical(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    peer.script[:] = ["400"]
    add_station(outbound.settings, us)
    exchange_id = ready_exchange(outbound.settings, add_partner(outbound.settings, peer.url, partner.cert))
    assert outbound.run(exchange_id) is False
    assert outbound.exchange(exchange_id).status == ExchangeStatus.FAILED
    with get_database(outbound.settings).transaction() as session:
        _, operator = create_token(session, "ops", Role.OPERATOR)
    with TestClient(create_app(outbound.settings)) as client:
        url = f"/v1/admin/exchanges/{exchange_id}/resend"
        assert client.post(url, headers={"Authorization": f"Bearer {operator}"}).status_code == 200
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
    assert peer.requests[0][1] == peer.requests[1][1]
    assert len(outbound.job_ids("outbound.send_exchange", exchange_id)) == 2


def test_rest_partner_fetches_so_the_exchange_is_made_available(outbound: Outbound) -> None:
    profile = {"code": "restco", "name": "Rest Co", "transports": {"rest": {}, "outbound": "rest"}}
    with get_database(outbound.settings).transaction() as session:
        partner_id = create_partner(session, profile).id
    exchange_id = ready_exchange(outbound.settings, partner_id, transport="rest")
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.READY
    assert "available_since" in exchange.meta


def _send_over_sftp(outbound: Outbound, tmp_path: Path, host_key: str | None = None) -> tuple[int, bool]:
    """Send to a partner whose SFTP server is the embedded one (its ``remote`` account)."""
    settings = outbound.settings
    workdir = tmp_path / "client"
    workdir.mkdir()
    server, stop, thread = start_embedded(settings, workdir)
    try:
        account_key = generate_client_key(settings, "sftp/remote")
        with get_database(settings).transaction() as session:
            create_partner(session, sftp_profile("remote", inbound_keys=[account_key]))
            remote = {
                "allow_private_network": True, "host": "127.0.0.1", "port": server.peer.port,
                "username": "remote", "host_key": host_key or public_line(server.server.host_key),
                "client_key_ref": "sftp/remote", "upload_dir": "inbox",
            }  # fmt: skip
            profile = {
                "code": "sftpco",
                "name": "Sftp Co",
                "transports": {"sftp": {"outbound": remote}, "outbound": "sftp"},
            }
            partner_id = create_partner(session, profile).id
        exchange_id = ready_exchange(settings, partner_id, transport="sftp")
        return exchange_id, outbound.run(exchange_id)
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture
def sftp_outbound(outbound: Outbound, monkeypatch: pytest.MonkeyPatch) -> Outbound:
    import gateway.outbound.tasks as tasks

    outbound.settings = outbound.settings.model_copy(update={"sftp_port": 0})
    monkeypatch.setattr(tasks, "get_settings", lambda: outbound.settings)
    return outbound


def test_sftp_partner_server_receives_the_file(sftp_outbound: Outbound, tmp_path: Path) -> None:
    exchange_id, done = _send_over_sftp(sftp_outbound, tmp_path)
    assert done
    exchange = sftp_outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    inbox = sftp_outbound.settings.resolved_sftp_root / "remote" / "inbox"
    assert (inbox / "po.edi").read_bytes() == PAYLOAD
    assert exchange.meta["delivered_to"].endswith("/inbox/po.edi")


def test_sftp_server_with_another_host_key_fails_at_once(sftp_outbound: Outbound, tmp_path: Path) -> None:
    exchange_id, done = _send_over_sftp(sftp_outbound, tmp_path, host_key=ed25519_line(""))
    assert not done
    exchange = sftp_outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert "host key" in (exchange.error or "")
    assert not (sftp_outbound.settings.resolved_sftp_root / "remote" / "inbox" / "po.edi").exists()


def test_periodic_sweep_marks_mdns_past_due_overdue(
    async_outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    from gateway.outbound.tasks import sweep_overdue_mdns

    outbound = async_outbound
    exchange_id = _sent_async(outbound, us, partner, peer)
    assert SWEEP_OVERDUE_TASK in {p.task for p in PERIODIC}
    db = get_database(outbound.settings)
    with db.transaction() as session:
        job_id = enqueue(session, outbound.settings, SWEEP_OVERDUE_TASK).id
    assert run_job(outbound.settings, job_id, sweep_overdue_mdns)
    assert outbound.exchange(exchange_id).meta["mdn_status"] == "awaiting"
    with db.transaction() as session:
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
        exchange.meta = exchange.meta | {
            "mdn_due_at": (utcnow() - timedelta(minutes=1)).isoformat(timespec="seconds")
        }
        job_id = enqueue(session, outbound.settings, SWEEP_OVERDUE_TASK, dedup_key="second-sweep").id
    assert run_job(outbound.settings, job_id, sweep_overdue_mdns)
    assert outbound.exchange(exchange_id).meta["mdn_status"] == "overdue"
    assert outbound.job(job_id).args["marked_overdue"] == [exchange_id]


def test_cli_resends_a_failed_exchange_and_lists_overdue_mdns(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    peer.script[:] = ["400"]
    add_station(outbound.settings, us)
    exchange_id = ready_exchange(outbound.settings, add_partner(outbound.settings, peer.url, partner.cert))
    assert outbound.run(exchange_id) is False
    monkeypatch.setenv("EDIGW_DATA_DIR", str(outbound.settings.data_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        done = runner.invoke(cli_app, ["outbound", "resend", str(exchange_id), "--json"])
        assert done.exit_code == 0, done.output
        assert json.loads(done.output)["status"] == "ready"
        refused = runner.invoke(cli_app, ["outbound", "resend", str(exchange_id)])
        assert refused.exit_code == 1
        assert "only failed exchanges" in refused.output
        listed = runner.invoke(cli_app, ["outbound", "overdue", "--json"])
        assert (listed.exit_code, listed.output) == (0, "")
    finally:
        get_settings.cache_clear()
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
    assert peer.requests[0][1] == peer.requests[1][1]


def test_rebuild_resend_sends_a_new_message_after_a_negative_mdn(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    peer.script[:] = [NEGATIVE]
    add_station(outbound.settings, us)
    exchange_id = ready_exchange(outbound.settings, add_partner(outbound.settings, peer.url, partner.cert))
    assert outbound.run(exchange_id)
    first_id = outbound.exchange(exchange_id).meta["as2_message_id"]
    with get_database(outbound.settings).transaction() as session:
        _, operator = create_token(session, "ops", Role.OPERATOR)
    with TestClient(create_app(outbound.settings)) as client:
        url = f"/v1/admin/exchanges/{exchange_id}/resend?rebuild=true"
        assert client.post(url, headers={"Authorization": f"Bearer {operator}"}).status_code == 200
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    assert exchange.meta["as2_message_id"] != first_id
    assert [m["message_id"] for m in exchange.meta["previous_messages"]] == [f"<{first_id}>"]
    first, second = (dict(headers)["Message-ID"] for headers, _ in peer.requests)
    assert (first, second) == (f"<{first_id}>", f"<{exchange.meta['as2_message_id']}>")
    with get_database(outbound.settings).sessions() as session:
        kinds = session.scalars(
            select(ArchiveRecord.kind)
            .where(ArchiveRecord.subject_id == exchange_id)
            .order_by(ArchiveRecord.seq)
        )
        assert [k for k in kinds if k.startswith("as2-")] == ["as2-outbound", "as2-mdn-in"] * 2


def test_async_mdn_posted_to_the_endpoint_settles_the_exchange(
    async_outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    from fastapi.testclient import TestClient

    from gateway.app import create_app

    exchange_id = _sent_async(async_outbound, us, partner, peer)
    [mdn] = peer.async_mdns
    with TestClient(create_app(async_outbound.settings)) as client:
        assert client.post("/as2", content=mdn.body, headers=list(mdn.headers)).status_code == 200
        from_nobody = [(n, "nobody" if n == "AS2-From" else v) for n, v in mdn.headers]
        stray = client.post("/as2", content=mdn.body, headers=from_nobody)
        assert stray.status_code == 200
    assert async_outbound.exchange(exchange_id).meta["mdn_status"] == "received"
    with get_database(async_outbound.settings).sessions() as session:
        kinds = list(
            session.scalars(select(ArchiveRecord.kind).where(ArchiveRecord.kind.like("as2-mdn-in%")))
        )
    assert kinds == ["as2-mdn-in", "as2-mdn-in-unmatched"]
