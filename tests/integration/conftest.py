"""Fixtures of the integration tests: the child processes a test started (killed afterwards) and a
second PostgreSQL database for the ERP's staging tables."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from gateway.erp.staging import staging_metadata
from tests.conftest import PG_ADMIN_URL
from tests.integration.processes import Child, stop_all


@pytest.fixture
def children() -> Iterator[list[Child]]:
    """Child processes of the test; whatever still runs at the end is SIGKILLed."""
    running: list[Child] = []
    yield running
    stop_all(running)


@pytest.fixture
def staging_pg_url(pg_url: str) -> Iterator[str]:
    """A second PostgreSQL database, the ERP's, with the default staging tables."""
    name = f"erp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = create_engine(url)
    staging_metadata().create_all(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
