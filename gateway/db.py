"""Engine and session factory (one per process), the unit of work, and schema upgrades via Alembic."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Insert, Table, TextClause, create_engine, event, make_url, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import Settings
from gateway.durability import FLUSHER
from gateway.group_commit import GroupCommit

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "edigw_write"
T = TypeVar("T")


def _configure_sqlite(engine: Engine) -> None:
    """WAL (readers never wait), foreign keys, ``BEGIN IMMEDIATE`` for write transactions so that
    concurrent writers queue on the lock instead of failing on a stale snapshot, and
    ``synchronous=NORMAL``: SQLite does not sync the WAL at each commit; ``Database.transaction`` does,
    after releasing the write lock, in one flush shared by the commits of concurrent threads (group
    commit), and returns only then, so what an MDN or a 2xx acknowledged survives a power loss. (Another
    connection may read a commit in the milliseconds before its flush; after a power loss in that window
    the commit is gone and anything done with it is repeated, which every task is built to survive.)"""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    """The process's engine and session factory; re-created lazily after a fork (Celery prefork, serve)."""

    def __init__(self, url: str) -> None:
        self.url = url
        path = (make_url(url).database or "") if url.startswith("sqlite") else ""
        on_disk = bool(path) and path != ":memory:"  # "sqlite://" and ":memory:" are in memory
        self._sqlite_path = path if on_disk else None
        self._lock_path = f"{path}.writelock" if on_disk else None
        self._readers = threading.local()
        self._wal_path = f"{path}-wal" if on_disk else None
        self._pid = -1
        self._engine: Engine | None = None
        self._factory: sessionmaker[Session] | None = None
        self._write_factory: sessionmaker[Session] | None = None
        self._group: GroupCommit | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None or self._pid != os.getpid():
            if self._engine is not None:
                self._engine.dispose(close=False)
            self._engine = make_engine(self.url)
            self._factory = sessionmaker(self._engine, expire_on_commit=False)
            writer = self._engine.execution_options(**{WRITE_OPTION: True})
            self._write_factory = sessionmaker(writer, expire_on_commit=False)
            self._group = None  # the parent's batches are not this process's
            self._pid = os.getpid()
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions for reading; anything that writes goes through ``transaction()``."""
        _ = self.engine
        assert self._factory is not None
        return self._factory

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work that may write: commit on success, roll back on any exception."""
        _ = self.engine
        assert self._write_factory is not None
        with self._sqlite_write_lock(), self._write_factory() as session, session.begin():
            sqlite: Any = session.connection().connection.dbapi_connection if self._wal_path else None
            changes = sqlite.total_changes if sqlite is not None else 0
            yield session
            wrote = sqlite is not None and sqlite.total_changes != changes
        if wrote:  # a SQLite transaction that changed no row has nothing to flush
            self._flush_wal()

    def batched(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a write transaction shared with the concurrent callers of this process
        (group commit, ``gateway.group_commit``): all-or-nothing for ``work``, committed and durable
        when this returns. For short units on hot paths; ``work`` uses only the session it is given."""
        _ = self.engine  # after a fork, a new engine and a new group
        if self._group is None:
            self._group = GroupCommit(self.transaction)
        return self._group.run(work)

    def _flush_wal(self) -> None:
        """Make the committed transaction durable (SQLite, whose commits do not sync: see
        ``_configure_sqlite``); concurrent committers share the flush."""
        assert self._wal_path is not None
        try:
            fd = os.open(self._wal_path, os.O_RDONLY)
        except FileNotFoundError:  # checkpointed and removed: the commit is in the synced database file
            return
        try:
            FLUSHER.flush([fd])
        finally:
            os.close(fd)

    @contextmanager
    def _sqlite_write_lock(self) -> Iterator[None]:
        """SQLite has one writer: queue writers of every process on a file lock, held from before BEGIN
        to after COMMIT, so the next one starts the moment the lock frees (SQLite's own busy handler
        sleeps up to 100 ms between tries)."""
        if self._lock_path is None:
            yield
            return
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def fetch(self, statement: TextClause, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of one read-only textual statement (``:name`` parameters), for hot paths.

        On an SQLite file each thread keeps a driver connection of its own for this, in autocommit and
        ``query_only`` mode: one statement reads one consistent snapshot without a BEGIN, at about a
        tenth of the cost of a pooled connection (checkout, BEGIN, ROLLBACK, result wrapping).
        Elsewhere it runs on a pooled connection. Text statements get no type processing either way,
        so both return the driver's values."""
        if self._sqlite_path is None:
            with self.engine.connect() as conn:
                return [tuple(row) for row in conn.execute(statement, params)]
        return self._reader().execute(statement.text, params).fetchall()

    def _reader(self) -> sqlite3.Connection:
        readers = self._readers
        if getattr(readers, "pid", None) != os.getpid():
            assert self._sqlite_path is not None
            conn = sqlite3.connect(
                self._sqlite_path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            conn.execute("PRAGMA query_only=ON")
            readers.conn, readers.pid = conn, os.getpid()
        reader: sqlite3.Connection = readers.conn
        return reader

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


_skipping_inserts: dict[tuple[str, str, tuple[str, ...], str | None], Insert] = {}


def insert_or_skip(
    session: Session, table: Table, conflict: Sequence[str], returning: str | None = None
) -> Insert:
    """``INSERT ... ON CONFLICT (conflict) DO NOTHING [RETURNING returning]`` for the session's database
    (SQLite or PostgreSQL), built once per process; execute it with the row as parameters. With
    ``returning`` it yields no row when the unique key already exists."""
    dialect = session.get_bind().dialect.name
    key = (dialect, table.name, tuple(conflict), returning)
    stmt = _skipping_inserts.get(key)
    if stmt is None:
        base = postgresql_insert(table) if dialect == "postgresql" else sqlite_insert(table)
        stmt = base.on_conflict_do_nothing(index_elements=list(conflict))
        if returning is not None:
            stmt = stmt.returning(table.c[returning])
        _skipping_inserts[key] = stmt
    return stmt


_databases: dict[str, Database] = {}


def get_database(settings: Settings) -> Database:
    url = settings.resolved_database_url
    if url not in _databases:
        _databases[url] = Database(url)
    return _databases[url]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Create or upgrade the schema (idempotent; run at start-up and by ``edigw db upgrade``)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(settings.resolved_database_url), revision)
