"""The Alembic migrations produce exactly the schema the ORM models declare (SQLite here, PostgreSQL in
tests/integration)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import Base


def assert_schema_matches_models(settings: Settings) -> None:
    upgrade(settings)
    upgrade(settings)  # idempotent on an up-to-date database
    with get_database(settings).engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_sqlite_schema_matches_models(settings: Settings) -> None:
    assert_schema_matches_models(settings)
