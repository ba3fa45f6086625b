from __future__ import annotations

import pytest

from gateway.config import Settings
from tests.gateway.test_migrations import assert_meta_lookups_use_their_indexes, assert_schema_matches_models

pytestmark = pytest.mark.integration


def test_postgres_schema_matches_models(pg_url: str) -> None:
    assert_schema_matches_models(Settings(database_url=pg_url))


def test_postgres_meta_lookups_use_their_indexes(pg_url: str) -> None:
    assert_meta_lookups_use_their_indexes(Settings(database_url=pg_url))
