"""``Database.fetch``: the hot-path read of one textual statement, on SQLite through a per-thread
driver connection that only reads and always sees the latest commit."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.db import Database

COUNT = text("SELECT count(*), max(key) FROM item WHERE key >= :low")


@pytest.fixture
def db(item_db: Database) -> Database:
    return item_db


def test_fetch_sees_each_commit_and_binds_named_parameters(db: Database) -> None:
    assert db.fetch(COUNT, {"low": ""}) == [(0, None)]
    for key in ("a", "b"):
        with db.transaction() as session:
            session.execute(text("INSERT INTO item (key) VALUES (:key)"), {"key": key})
        assert db.fetch(COUNT, {"low": ""})[0][0] == ord(key) - ord("a") + 1
    assert db.fetch(COUNT, {"low": "b"}) == [(1, "b")]


def test_the_reader_connection_cannot_write(db: Database) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.fetch(text("INSERT INTO item (key) VALUES (:key)"), {"key": "x"})


def test_each_thread_reads_on_a_connection_of_its_own(db: Database) -> None:
    seen: list[object] = []

    def read() -> None:
        db.fetch(COUNT, {"low": ""})
        seen.append(db._readers.conn)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len({id(conn) for conn in seen}) == 3


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_reads_through_the_pool(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    db = Database(url)
    assert db.fetch(text("SELECT :a + 1"), {"a": 1}) == [(2,)]
    assert list(tmp_path.iterdir()) == []  # no file made of the URL
