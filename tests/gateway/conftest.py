"""Fixtures: a client on a migrated database, one bearer header per role, and a bare SQLite database
with one table for the database plumbing's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.db import Database, get_database
from gateway.models import Role


@pytest.fixture
def client(migrated: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as test_client:
        yield test_client


@pytest.fixture
def headers(migrated: Settings) -> dict[Role, dict[str, str]]:
    """``Authorization`` headers for one token of each role (the partner token belongs to partner 1)."""
    out = {}
    with get_database(migrated).transaction() as session:
        for role in Role:
            _, secret = create_token(
                session, role.value, role, partner_id=1 if role == Role.PARTNER else None
            )
            out[role] = {"Authorization": f"Bearer {secret}"}
    return out


@pytest.fixture
def item_db(tmp_path: Path) -> Database:
    """An SQLite file with one table, ``item (key TEXT PRIMARY KEY)``, and no migrations."""
    database = Database(f"sqlite:///{tmp_path / 'items.db'}")
    with database.transaction() as session:
        session.execute(text("CREATE TABLE item (key TEXT PRIMARY KEY)"))
    return database
