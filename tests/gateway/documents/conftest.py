"""Fixtures for the documents API: our station with X12 and EDIFACT identities, partners with outbound
formats, an operator's API client, and a way to run this test's outbox jobs in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database
from gateway.erp.staging import forget_staging, staging_metadata
from gateway.inbound.processing import process_exchange
from gateway.inbound.service import Received, accept
from gateway.keys import master_key
from gateway.models import OutboxJob, Role
from gateway.onboarding.service import create_partner
from gateway.outbox import run_job
from partners.profile import PartnerIdentities
from tests.gateway.as2.keys import Identity
from tests.gateway.outbound.conftest import (  # noqa: F401 (fixtures)
    BOTH,
    Outbound,
    add_partner_cert,
    key_dir,
    outbound,
    partner,
    peer,
    us,
)

OUR_ISA = "OURCO"
OUR_UNB = "OURCO"
PARTNER_ISA = "ACMESUPPLY"
PARTNER_UNB = "5412345000013"


def add_our_station(settings: Settings, keys: Identity | None = None) -> int:
    identities = PartnerIdentities.model_validate(
        {
            "as2_id": "gateway",
            "x12": [{"isa_qualifier": "ZZ", "isa_id": OUR_ISA}],
            "edifact": [{"unb_id": OUR_UNB, "unb_qualifier": "ZZZ"}],
        }
    )
    with get_database(settings).transaction() as session:
        station = certs.create_station(session, "gateway", "Main", identities)
        if keys is not None:
            p12 = pkcs12.serialize_key_and_certificates(
                b"us", keys.pair.private_key, keys.cert, None, serialization.NoEncryption()
            )
            certs.import_station_key(session, station.id, p12, None, BOTH, master_key(settings))
        return station.id


def x12_formats(*types: str, direction: str = "outbound", **extra: Any) -> list[dict[str, Any]]:
    return [
        {"direction": direction, "document_type": t, "syntax": "x12", "version": "004010"} | extra
        for t in types
    ]


def x12_profile(
    code: str = "acme", formats: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    inbound = x12_formats("855", "856", direction="inbound")
    return {
        "code": code,
        "name": f"{code.title()} Inc",
        "identities": {"as2_id": "partner", "x12": [{"isa_qualifier": "ZZ", "isa_id": PARTNER_ISA}]},
        "formats": (formats if formats is not None else x12_formats("850")) + inbound,
    } | extra


def add_partner(settings: Settings, profile: dict[str, Any]) -> int:
    with get_database(settings).transaction() as session:
        return create_partner(session, profile).id


def receive(settings: Settings, partner_id: int, data: bytes, message_id: str) -> int:
    """An interchange from the partner, accepted and processed as the inbound task would."""
    db = get_database(settings)
    with db.transaction() as session:
        exchange_id = accept(
            session, settings, Received(partner_id, "as2", data, "in.edi", message_id)
        ).exchange_id
    with db.transaction() as session:
        process_exchange(session, settings, exchange_id)
    return exchange_id


def run_reconcile_jobs(settings: Settings) -> list[int]:
    """Run every pending ``documents.reconcile`` job once, in id order; returns their job ids."""
    from gateway.documents.tasks import reconcile

    with get_database(settings).sessions() as session:
        ids = list(
            session.scalars(
                select(OutboxJob.id)
                .where(OutboxJob.task == "documents.reconcile", OutboxJob.status == "pending")
                .order_by(OutboxJob.id)
            )
        )
    for job_id in ids:
        assert run_job(settings, job_id, reconcile)
    return ids


@pytest.fixture
def client(migrated: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as test_client:
        yield test_client


def token(settings: Settings, role: Role) -> dict[str, str]:
    with get_database(settings).transaction() as session:
        _, secret = create_token(session, f"{role.value}-erp", role)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def erp(migrated: Settings) -> dict[str, str]:
    """Headers of the ERP's token (operator role)."""
    return token(migrated, Role.OPERATOR)


@pytest.fixture(params=["sqlite", "postgresql"])
def staging_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The ERP's staging database: a SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'erp-staging.db'}"
    else:
        yield request.getfixturevalue("pg_url")
    forget_staging()


def create_default_tables(url: str) -> None:
    engine = create_engine(url)
    staging_metadata().create_all(engine)
    engine.dispose()


def staging_rows(url: str, table: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))]
    finally:
        engine.dispose()
