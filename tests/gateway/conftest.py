"""Fixtures for API tests: a client on a migrated database and one bearer header per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.db import get_database
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
