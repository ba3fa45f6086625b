from __future__ import annotations

import pytest
from sqlalchemy import text

from gateway.config import Settings
from gateway.db import Database
from tests.gateway.test_migrations import assert_meta_lookups_use_their_indexes, assert_schema_matches_models

pytestmark = pytest.mark.integration


def test_postgres_schema_matches_models(pg_url: str) -> None:
    assert_schema_matches_models(Settings(database_url=pg_url))


def test_postgres_meta_lookups_use_their_indexes(pg_url: str) -> None:
    assert_meta_lookups_use_their_indexes(Settings(database_url=pg_url))


def test_postgres_fetch_reads_through_the_pool(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        assert db.fetch(text("SELECT CAST(:a AS integer) + 1, :b"), {"a": 1, "b": "x"}) == [(2, "x")]
    finally:
        db.dispose()
