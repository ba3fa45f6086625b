"""The archive on PostgreSQL: concurrent appends from many transactions still form one valid chain,
and the database itself refuses to change a record."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from gateway.archive.chain import append, verify
from gateway.config import Settings
from gateway.db import get_database, upgrade

pytestmark = pytest.mark.integration


def test_concurrent_appends_form_one_chain(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    upgrade(settings)
    db = get_database(settings)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(25):
                with db.transaction() as session:
                    append(session, settings.resolved_archive_dir, "test", f"{n}-{i}".encode())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with db.sessions() as session:
        report = verify(session, settings.resolved_archive_dir)
        assert session.execute(text("SELECT max(seq) FROM archive_record")).scalar_one() == 100
    assert report.ok
    assert report.records == 100


def test_postgres_refuses_update_and_delete(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    upgrade(settings)
    db = get_database(settings)
    with db.transaction() as session:
        append(session, settings.resolved_archive_dir, "test", b"evidence")
    for statement in ("UPDATE archive_record SET kind = 'x'", "DELETE FROM archive_record"):
        with pytest.raises(DatabaseError, match="append-only"), db.transaction() as session:
            session.execute(text(statement))
