"""ERP delivery through the outbox: file drop and webhook (signed, idempotency key, retry on 5xx,
dead on 4xx), with every attempt recorded."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from pydantic import SecretStr
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database
from gateway.erp.tasks import sync
from gateway.inbound.processing import process_exchange
from gateway.inbound.service import Received, accept
from gateway.models import Document, ErpDelivery, JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.onboarding.service import create_partner
from gateway.outbox import run_job
from tests.gateway.edi_samples import x12_850, x12_partner
from tests.gateway.erp_server import erp_endpoint


def _document_job(settings: Settings) -> int:
    db = get_database(settings)
    with db.transaction() as session:
        partner_id = create_partner(session, x12_partner()).id
        exchange_id = accept(
            session, settings, Received(partner_id, "as2", x12_850(), None, "<m@acme>")
        ).exchange_id
    with db.transaction() as session:
        process_exchange(session, settings, exchange_id)
    with db.sessions() as session:
        job = session.scalar(select(OutboxJob).where(OutboxJob.task == "erp.sync_document"))
        assert job is not None
        return job.id


def _run(settings: Settings, job_id: int, monkeypatch: object) -> bool:
    import gateway.erp.tasks as tasks

    monkeypatch.setattr(tasks, "get_settings", lambda: settings)  # type: ignore[attr-defined]
    with get_database(settings).transaction() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        job.available_at = utcnow() - timedelta(seconds=1)
    return run_job(settings, job_id, sync)


def _deliveries(settings: Settings) -> list[tuple[str, str]]:
    with get_database(settings).sessions() as session:
        return [
            (d.outcome, d.detail or "") for d in session.scalars(select(ErpDelivery).order_by(ErpDelivery.id))
        ]


def test_file_drop_writes_one_json_per_document(migrated: Settings, monkeypatch: object) -> None:
    job_id = _document_job(migrated)
    assert _run(migrated, job_id, monkeypatch)
    [dropped] = list(migrated.resolved_erp_file_dir.glob("*.json"))
    body = json.loads(dropped.read_text())
    assert body["kind"] == "purchase_order"
    assert body["partner"] == "acme"
    assert body["document"]["po_number"] == "PO-1001"
    assert not list(migrated.resolved_erp_file_dir.glob(".incoming-*"))
    assert _deliveries(migrated) == [("delivered", f"written {dropped.name}")]


def test_webhook_retries_on_5xx_and_signs_every_attempt(migrated: Settings, monkeypatch: object) -> None:
    with erp_endpoint([503, 200]) as erp:
        settings = migrated.model_copy(
            update={
                "erp_connector": "webhook",
                "erp_webhook_url": erp.url,
                "erp_webhook_secret": SecretStr("k3y"),
            }
        )
        job_id = _document_job(settings)
        assert _run(settings, job_id, monkeypatch) is False
        assert _run(settings, job_id, monkeypatch) is True
        assert len(erp.requests) == 2
        keys = {headers["idempotency-key"] for headers, _ in erp.requests}
        assert len(keys) == 1, "a retry carries the same idempotency key"
        for headers, body in erp.requests:
            expected = "sha256=" + hmac.new(b"k3y", body, hashlib.sha256).hexdigest()
            assert headers["x-edigw-signature"] == expected
        assert [d["document"]["po_number"] for d in erp.documents()] == ["PO-1001"]
    outcomes = [outcome for outcome, _ in _deliveries(settings)]
    assert outcomes == ["failed", "delivered"]


def test_webhook_4xx_is_permanent(migrated: Settings, monkeypatch: object) -> None:
    with erp_endpoint([422]) as erp:
        settings = migrated.model_copy(update={"erp_connector": "webhook", "erp_webhook_url": erp.url})
        job_id = _document_job(settings)
        assert _run(settings, job_id, monkeypatch) is False
    with get_database(settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        assert job.status == JobStatus.DEAD
        assert "HTTP 422" in (job.last_error or "")
        assert session.scalar(select(Document.id)) is not None


def test_unreachable_erp_is_retried_not_dead(migrated: Settings, monkeypatch: object) -> None:
    settings = migrated.model_copy(
        update={
            "erp_connector": "webhook",
            "erp_webhook_url": "http://127.0.0.1:9/none",
            "erp_timeout_seconds": 2,
        }
    )
    job_id = _document_job(settings)
    assert _run(settings, job_id, monkeypatch) is False
    with get_database(settings).sessions() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None and job.status == JobStatus.PENDING
    assert _deliveries(settings)[0][0] == "failed"
