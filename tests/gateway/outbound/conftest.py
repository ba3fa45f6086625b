"""Fixtures for outbound sending: our station and a partner (keys made at test time, nothing committed),
an outbound exchange READY to send, and a way to run its outbox job in this process."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from sqlalchemy import select

from gateway.archive.chain import append
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database
from gateway.keys import master_key
from gateway.models import Exchange, OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, ExchangeStatus
from gateway.onboarding.service import create_partner
from gateway.outbound.service import queue_send
from gateway.outbox import run_job
from partners.keys import CertificateUsage
from partners.profile import PartnerIdentities
from tests.gateway.as2.keys import Identity, make_identity
from tests.gateway.edi_samples import x12_850

from .as2_peer import As2Peer, as2_peer

BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})
PAYLOAD = x12_850("PO-OUT-1")


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outbound-keys")


@pytest.fixture(scope="session")
def us(key_dir: Path) -> Identity:
    return make_identity("gateway", key_dir)


@pytest.fixture(scope="session")
def partner(key_dir: Path) -> Identity:
    return make_identity("partner", key_dir)


def add_station(settings: Settings, us: Identity, as2_id: str = "gateway") -> int:
    p12 = pkcs12.serialize_key_and_certificates(
        b"us", us.pair.private_key, us.cert, None, serialization.NoEncryption()
    )
    with get_database(settings).transaction() as session:
        station = certs.create_station(session, as2_id, "Main", PartnerIdentities(as2_id=as2_id))
        certs.import_station_key(session, station.id, p12, None, BOTH, master_key(settings))
        return station.id


def add_partner_cert(settings: Settings, partner_id: int, cert: x509.Certificate, **window: Any) -> int:
    with get_database(settings).transaction() as session:
        row = certs.import_partner_certificate(
            session, partner_id, cert.public_bytes(serialization.Encoding.PEM), BOTH
        )
        if window:
            certs.update_window(session, row.id, **window)
        return row.id


def add_partner(settings: Settings, url: str, cert: x509.Certificate | None, **as2: Any) -> int:
    profile: dict[str, Any] = {
        "code": "partner",
        "name": "Partner",
        "identities": {"as2_id": "partner", "x12": [{"isa_qualifier": "ZZ", "isa_id": "ACMESUPPLY"}]},
        "formats": [{"direction": "inbound", "document_type": "850", "syntax": "x12", "version": "004010"}],
        "transports": {
            "as2": {"url": url, "allow_insecure_http": True, "allow_private_network": True} | as2,
            "outbound": "as2",
        },
    }
    with get_database(settings).transaction() as session:
        partner_id = create_partner(session, profile).id
    if cert is not None:
        add_partner_cert(settings, partner_id, cert)
    return partner_id


def ready_exchange(settings: Settings, partner_id: int, data: bytes = PAYLOAD, transport: str = "as2") -> int:
    """An outbound exchange as the renderer leaves it: payload archived, READY, its send queued."""
    with get_database(settings).transaction() as session:
        record = append(session, settings.resolved_archive_dir, "document-outbound", data)
        exchange = Exchange(
            partner_id=partner_id,
            direction=Direction.OUTBOUND,
            transport=transport,
            message_id=f"test:{record.seq}",
            status=ExchangeStatus.READY,
            filename="po.edi",
            content_type="application/edi-x12",
            content_sha256=record.content_sha256,
            size=len(data),
            syntax="x12",
            meta={},
            duplicate_count=0,
        )
        session.add(exchange)
        session.flush()
        queue_send(session, settings, exchange)
        return exchange.id


@dataclass
class Outbound:
    """Runs this test's outbox jobs in-process against one settings object."""

    settings: Settings

    def job_ids(self, task: str, exchange_id: int) -> list[int]:
        with get_database(self.settings).sessions() as session:
            rows = session.scalars(
                select(OutboxJob.id)
                .where(OutboxJob.task == task, OutboxJob.subject_id == exchange_id)
                .order_by(OutboxJob.id)
            )
            return list(rows)

    def run(self, exchange_id: int, task: str = "outbound.send_exchange") -> bool:
        from gateway.outbound.tasks import check_mdn, send_exchange

        job_id = self.job_ids(task, exchange_id)[-1]
        with get_database(self.settings).transaction() as session:
            job = session.get(OutboxJob, job_id)
            assert job is not None
            job.available_at = utcnow() - timedelta(seconds=1)
        handler = send_exchange if task == "outbound.send_exchange" else check_mdn
        return run_job(self.settings, job_id, handler)

    def exchange(self, exchange_id: int) -> Exchange:
        with get_database(self.settings).sessions() as session:
            exchange = session.get(Exchange, exchange_id)
            assert exchange is not None
            return exchange

    def job(self, job_id: int) -> OutboxJob:
        with get_database(self.settings).sessions() as session:
            job = session.get(OutboxJob, job_id)
            assert job is not None
            return job


@pytest.fixture
def outbound(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Outbound:
    import gateway.outbound.tasks as tasks

    monkeypatch.setattr(tasks, "get_settings", lambda: migrated)
    return Outbound(migrated)


@pytest.fixture
def peer(us: Identity, partner: Identity) -> Iterator[As2Peer]:
    with as2_peer([partner.pair], us.cert) as running:
        yield running
