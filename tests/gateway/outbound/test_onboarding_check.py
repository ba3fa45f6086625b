"""The onboarding check: findings in plain words, then a real test message to a local AS2 partner and
its MDN described for procurement staff."""

from __future__ import annotations

import json
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.cli import app as cli
from gateway.config import get_settings
from gateway.db import get_database
from gateway.models import JobStatus, OutboxJob, Role
from gateway.models.base import utcnow
from gateway.onboarding.check import describe, findings_for, run_check
from gateway.outbound.tasks import send_exchange
from gateway.outbox import run_job
from tests.gateway.as2.keys import Identity

from .as2_peer import As2Peer
from .conftest import Outbound, add_partner, add_station


def test_unready_partner_gets_findings_and_no_message(
    outbound: Outbound, us: Identity, peer: As2Peer
) -> None:
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, None)
    report = run_check(get_database(outbound.settings), outbound.settings, partner_id, wait_seconds=0)
    assert report.ready is False
    assert report.exchange_id is None
    errors = {f["code"]: f for f in report.findings if f["severity"] == "error"}
    assert set(errors) == {"no_partner_encryption_certificate", "no_partner_verification_certificate"}
    assert errors["no_partner_encryption_certificate"]["setting"] == "transports.as2.encrypt"
    assert "no active encryption certificate" in errors["no_partner_encryption_certificate"]["message"]
    assert report.outcome.startswith("not ready")
    assert peer.requests == []


def _run_send_job_when_queued(outbound: Outbound, stop: threading.Event) -> None:
    """Play the worker: run the test message's send job as soon as it exists."""
    while not stop.is_set():
        with get_database(outbound.settings).sessions() as session:
            job = session.scalar(
                select(OutboxJob).where(
                    OutboxJob.task == "outbound.send_exchange", OutboxJob.status == JobStatus.PENDING
                )
            )
        if job is not None:
            run_job(outbound.settings, job.id, send_exchange)
        stop.wait(0.05)


def test_ready_partner_gets_a_test_message_and_the_mdn_in_plain_words(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, partner.cert)
    with get_database(outbound.settings).sessions() as session:
        assert not [f for f in findings_for(session, partner_id, utcnow()) if f["severity"] == "error"]
    stop = threading.Event()
    worker = threading.Thread(target=_run_send_job_when_queued, args=(outbound, stop))
    worker.start()
    try:
        report = run_check(get_database(outbound.settings), outbound.settings, partner_id, wait_seconds=30)
    finally:
        stop.set()
        worker.join()
    assert report.ready is True, report
    assert report.status == "sent"
    assert report.outcome == (
        "the test message was delivered and the partner's MDN says: "
        "automatic-action/MDN-sent-automatically; processed"
    )
    [(headers, _body)] = peer.requests
    assert dict(headers)["AS2-To"] == "partner"
    assert describe(outbound.exchange(report.exchange_id)) == report.outcome  # type: ignore[arg-type]


def test_api_and_cli_report_the_check(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, partner.cert)
    with get_database(outbound.settings).transaction() as session:
        _, onboarding = create_token(session, "procurement", Role.ONBOARDING)
        _, auditor = create_token(session, "auditor", Role.AUDITOR)
    with TestClient(create_app(outbound.settings)) as client:
        url = f"/v1/admin/partners/{partner_id}/test"
        assert client.post(url, headers={"Authorization": f"Bearer {auditor}"}).status_code == 403
        queued = client.post(
            url, params={"wait": 0}, headers={"Authorization": f"Bearer {onboarding}"}
        ).json()
    assert queued["outcome"] == "the test message is queued and has not been sent yet"
    assert queued["exchange_id"]
    monkeypatch.setenv("EDIGW_DATA_DIR", str(outbound.settings.data_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["partners", "test", str(partner_id), "--wait", "0", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "ready"
