"""A gateway with one AS2 partner and a purchase order that went the whole way (AS2 in with its MDN,
translated, 997 fetched by the partner, delivered to the ERP), one token per role, and console sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.console.session import CSRF_COOKIE
from gateway.db import get_database
from gateway.erp.tasks import sync
from gateway.models import Document, Exchange, JobStatus, OutboxJob, Role
from gateway.models.base import utcnow
from gateway.outbox import run_job
from tests.gateway.as2.conftest import key_dir, partner, peer, us  # noqa: F401 (fixtures)
from tests.gateway.as2.keys import Identity
from tests.gateway.as2.openssl_peer import OpenSSLPeer
from tests.gateway.as2.test_receive_endpoint import _partner, _station
from tests.gateway.edi_samples import x12_850

PO_NUMBER = "PO-1001"
MESSAGE_ID = "<po-console-1@partner>"


@dataclass(frozen=True)
class Scene:
    client: TestClient
    settings: Settings
    tokens: dict[Role, str]
    partner_id: int
    exchange_id: int
    document_id: int
    ack_id: int


def run_erp_job(settings: Settings, document_id: int, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Run the document's ERP delivery job now, in-process, with these settings."""
    import gateway.erp.tasks as tasks

    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    with get_database(settings).transaction() as session:
        job = session.scalar(
            select(OutboxJob).where(
                OutboxJob.task == "erp.sync_document", OutboxJob.subject_id == document_id
            )
        )
        assert job is not None
        job.available_at = utcnow() - timedelta(seconds=1)
        job_id = job.id
    return run_job(settings, job_id, sync)


def erp_job_status(settings: Settings, document_id: int) -> JobStatus:
    with get_database(settings).sessions() as session:
        status = session.scalar(
            select(OutboxJob.status).where(
                OutboxJob.task == "erp.sync_document", OutboxJob.subject_id == document_id
            )
        )
    assert status is not None
    return status


def sign_in(client: TestClient, token: str) -> None:
    client.cookies.clear()
    assert client.get("/console/sign-in").status_code == 200
    response = client.post(
        "/console/sign-in",
        data={"token": token, "csrf": client.cookies[CSRF_COOKIE], "next": "/console"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(client: TestClient) -> str:
    return client.cookies[CSRF_COOKIE]


def receive_po(
    client: TestClient,
    peer: OpenSSLPeer,  # noqa: F811
    settings: Settings,
    message_id: str,
    monkeypatch: pytest.MonkeyPatch,
    po_number: str = PO_NUMBER,
    control: int = 1,
) -> int:
    """POST a signed and encrypted 850 to /as2, then run its ``inbound.process_exchange`` job in-process."""
    import gateway.inbound.tasks as tasks

    entity = peer.sign(peer.entity(x12_850(po_number, control=control), filename="po.edi"), "sha256")
    headers, body = peer.http(
        peer.enveloped_http(peer.encrypt(entity, "aes256_cbc"), "aes256_cbc"), message_id
    )
    assert client.post("/as2", content=body, headers=headers).status_code == 200
    monkeypatch.setattr(tasks, "get_settings", lambda: settings)
    with get_database(settings).sessions() as session:
        exchange_id = session.scalar(select(Exchange.id).where(Exchange.message_id == message_id.strip("<>")))
        job_id = session.scalar(
            select(OutboxJob.id).where(
                OutboxJob.task == "inbound.process_exchange", OutboxJob.subject_id == exchange_id
            )
        )
    assert exchange_id is not None and job_id is not None
    assert run_job(settings, job_id, tasks.process)
    return exchange_id


@pytest.fixture
def scene(
    migrated: Settings,
    us: Identity,  # noqa: F811
    partner: Identity,  # noqa: F811
    peer: OpenSSLPeer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Scene]:
    _station(migrated, us)
    partner_id = _partner(migrated, partner)
    tokens = {}
    with get_database(migrated).transaction() as session:
        for role in Role:
            _, tokens[role] = create_token(
                session, f"{role.value}-user", role, partner_id=partner_id if role is Role.PARTNER else None
            )
    with TestClient(create_app(migrated)) as client:
        exchange_id = receive_po(client, peer, migrated, MESSAGE_ID, monkeypatch)
        with get_database(migrated).sessions() as session:
            document_id = session.scalar(select(Document.id).where(Document.exchange_id == exchange_id))
            ack_id = session.scalar(select(Exchange.id).where(Exchange.related_exchange_id == exchange_id))
        assert document_id is not None and ack_id is not None
        assert run_erp_job(migrated, document_id, monkeypatch)
        fetched = client.get(
            f"/v1/partner/documents/{ack_id}", headers={"Authorization": f"Bearer {tokens[Role.PARTNER]}"}
        )
        assert fetched.status_code == 200, fetched.text
        client.cookies.clear()
        yield Scene(client, migrated, tokens, partner_id, exchange_id, document_id, ack_id)


@dataclass(frozen=True)
class DeadDelivery:
    exchange_id: int
    document_id: int


REFUSING_ERP = "http://127.0.0.1:9/erp"
"""A webhook URL nothing listens on: every delivery attempt is refused."""


@pytest.fixture
def dead_delivery(
    scene: Scene,
    peer: OpenSSLPeer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> DeadDelivery:
    """A second PO whose ERP webhook refused every attempt until its delivery job went dead."""
    exchange_id = receive_po(
        scene.client, peer, scene.settings, "<po-2002@partner>", monkeypatch, "PO-2002", 2
    )
    with get_database(scene.settings).sessions() as session:
        document_id = session.scalar(select(Document.id).where(Document.exchange_id == exchange_id))
    assert document_id is not None
    refusing = scene.settings.model_copy(update={"erp_connector": "webhook", "erp_webhook_url": REFUSING_ERP})
    for _attempt in range(scene.settings.outbox_max_attempts):
        assert not run_erp_job(refusing, document_id, monkeypatch)
    assert erp_job_status(scene.settings, document_id) is JobStatus.DEAD
    return DeadDelivery(exchange_id, document_id)
