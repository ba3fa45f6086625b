"""Two REST partners with tokens, a real local webhook receiver, and the outbox run in this process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import JobStatus, OutboxJob, Role
from gateway.models.base import utcnow
from gateway.models.exchange import Exchange
from gateway.onboarding.service import create_partner
from gateway.outbox import run_job
from gateway.sftp.credentials import store_secret
from tests.gateway.edi_samples import x12_partner
from tests.gateway.erp_server import ErpEndpoint, erp_endpoint

SETTINGS_USERS = (
    "gateway.inbound.tasks",
    "gateway.outbound.tasks",
    "gateway.partner_api.tasks",
    "gateway.erp.tasks",
)

MAX_JOBS = 50


def rest_partner(code: str, isa_id: str, webhook_url: str | None) -> dict[str, Any]:
    rest: dict[str, Any] = {"allow_insecure_http": True, "allow_private_network": True}
    if webhook_url is not None:
        rest |= {"webhook_url": webhook_url, "webhook_secret_ref": f"rest/{code}-webhook"}
    return x12_partner(code, isa_id) | {"transports": {"rest": rest, "outbound": "rest"}}


@dataclass
class Party:
    partner_id: int
    token: str
    secret: bytes

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    settings: Settings
    client: TestClient
    acme: Party
    beta: Party
    admin: str
    hook: ErpEndpoint

    def drain(self) -> list[str]:
        """Run every due outbox job until none is left; returns the tasks run, in order."""
        from gateway.erp.tasks import sync
        from gateway.inbound.tasks import process
        from gateway.outbound.tasks import send_exchange
        from gateway.partner_api.tasks import notify_partner

        handlers = {
            "inbound.process_exchange": process,
            "outbound.send_exchange": send_exchange,
            "outbound.notify_partner": notify_partner,
            "erp.sync_document": sync,
        }
        ran: list[str] = []
        while (job := self._next_job()) is not None and len(ran) < MAX_JOBS:
            run_job(self.settings, job[0], handlers[job[1]])
            ran.append(job[1])
        return ran

    def _next_job(self) -> tuple[int, str] | None:
        with get_database(self.settings).transaction() as session:
            job = session.scalar(
                select(OutboxJob).where(OutboxJob.status == JobStatus.PENDING).order_by(OutboxJob.id).limit(1)
            )
            if job is None:
                return None
            job.available_at = utcnow() - timedelta(seconds=1)
            return job.id, job.task

    def exchange(self, exchange_id: int) -> Exchange:
        with get_database(self.settings).sessions() as session:
            exchange = session.get(Exchange, exchange_id)
            assert exchange is not None
            session.expunge(exchange)
            return exchange


def _party(settings: Settings, code: str, isa_id: str, webhook_url: str | None) -> Party:
    secret = f"{code}-webhook-secret".encode()
    store_secret(settings, f"rest/{code}-webhook", secret)
    with get_database(settings).transaction() as session:
        partner_id = create_partner(session, rest_partner(code, isa_id, webhook_url)).id
        _, token = create_token(session, f"{code}-api", Role.PARTNER, partner_id=partner_id)
    return Party(partner_id, token, secret)


@contextmanager
def _world(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    settings = settings.model_copy(update={"erp_connector": "none", "max_request_bytes": 64 * 1024})
    for module in SETTINGS_USERS:
        monkeypatch.setattr(f"{module}.get_settings", lambda: settings)
    with erp_endpoint() as hook, TestClient(create_app(settings)) as client:
        acme = _party(settings, "acme", "ACMESUPPLY", hook.url)
        beta = _party(settings, "beta", "BETASUPPLY", None)
        with get_database(settings).transaction() as session:
            _, admin = create_token(session, "admin", Role.ADMIN)
        yield World(settings, client, acme, beta, admin, hook)


@pytest.fixture
def world(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with _world(migrated, monkeypatch) as made:
        yield made


@pytest.fixture
def pg_world(settings: Settings, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The same world on PostgreSQL."""
    on_postgres = settings.model_copy(update={"database_url": pg_url})
    upgrade(on_postgres)
    with _world(on_postgres, monkeypatch) as made:
        yield made
