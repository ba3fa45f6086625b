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


def test_sqlite_connections_are_durable_and_concurrent(settings: Settings) -> None:
    """Every connection runs in WAL with ``synchronous=NORMAL`` (1): SQLite does not sync the WAL at
    commit because ``Database.transaction`` flushes it before returning, shared with concurrent commits
    (tests/gateway/test_durability.py checks that flush)."""
    upgrade(settings)
    with get_database(settings).engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
