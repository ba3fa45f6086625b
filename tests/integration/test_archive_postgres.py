"""The archive on PostgreSQL: concurrent appends from many transactions still form one valid chain
(also when they archive the same contents), and the database itself refuses to change a record or an
archived content."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from gateway.archive.chain import append, store, verify
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
                    # The same content in every writer, saved before the head is taken for a record
                    # by half of them and after it by the other half: without the head lock that
                    # saving takes, those orders deadlock.
                    if n % 2:
                        append(session, settings.resolved_archive_dir, "test", f"{n}-{i}".encode())
                    store(session, settings.resolved_archive_dir, [f"shared-{i}".encode()])
                    if not n % 2:
                        append(session, settings.resolved_archive_dir, "test", f"{n}-{i}".encode())
                    append(session, settings.resolved_archive_dir, "test", f"shared-{i % 3}".encode())
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
        assert session.execute(text("SELECT max(seq) FROM archive_record")).scalar_one() == 200
        assert session.execute(text("SELECT count(*) FROM archive_blob")).scalar_one() == 100 + 25
    assert report.ok
    assert report.records == 200


def test_postgres_refuses_update_and_delete(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    upgrade(settings)
    db = get_database(settings)
    with db.transaction() as session:
        append(session, settings.resolved_archive_dir, "test", b"evidence")
    for statement in (
        "UPDATE archive_record SET kind = 'x'",
        "DELETE FROM archive_record",
        "UPDATE archive_blob SET content = '\\x00'",
        "DELETE FROM archive_blob",
    ):
        with pytest.raises(DatabaseError, match="append-only"), db.transaction() as session:
            session.execute(text(statement))
