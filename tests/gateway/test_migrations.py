"""The Alembic migrations produce exactly the schema the ORM models declare (SQLite here, PostgreSQL in
tests/integration)."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, insert, text

from gateway.archive.chain import append, verify
from gateway.config import Settings
from gateway.db import alembic_config, get_database, upgrade
from gateway.models import Base
from gateway.models.base import utcnow
from gateway.models.exchange import Exchange
from gateway.onboarding.service import create_partner
from gateway.outbound.service import _by_message_id, overdue_mdns


def assert_schema_matches_models(settings: Settings) -> None:
    upgrade(settings)
    upgrade(settings)  # idempotent on an up-to-date database
    with get_database(settings).engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        with warnings.catch_warnings():  # expression indexes: assert_meta_lookups_use_their_indexes
            warnings.filterwarnings("ignore", message=".*expression-based index")
            diff = compare_metadata(context, Base.metadata)
    assert diff == []


def assert_meta_lookups_use_their_indexes(settings: Settings) -> None:
    """The statements that look exchanges up by meta keys (an asynchronous MDN's original Message-ID, the
    overdue check's MDN status) are planned on their expression indexes. Alembic cannot compare
    expression indexes, so this is their check: present and usable by the very statements the code runs."""
    upgrade(settings)
    db = get_database(settings)
    with db.transaction() as session:  # a partner's history: the planner sees what the index saves
        partner_id = create_partner(session, {"code": "pp", "name": "P", "identities": {"as2_id": "PP"}}).id
        rows = [
            {
                "partner_id": partner_id,
                "direction": direction,
                "transport": "as2",
                "message_id": f"{n}",
                "status": "sent",
                "content_sha256": "0" * 64,
                "size": 1,
                "duplicate_count": 0,
                "meta": {
                    "as2_message_id": f"{n}@gw",
                    "mdn_status": "received" if n % 500 else "awaiting",
                    "mdn_due_at": "2026-01-01",
                },
                "received_at": utcnow(),
            }
            for n in range(3000)
            for direction in ("inbound", "outbound")
        ]
        session.execute(insert(Exchange), rows)
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    seen: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    with db.sessions() as session:
        connection = session.connection()
        event.listen(connection, "before_cursor_execute", keep)
        _by_message_id(session, partner_id, "1500@gw")
        overdue_mdns(session, utcnow())
        event.remove(connection, "before_cursor_execute", keep)
        explain = "EXPLAIN " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        plans = []
        for statement, parameters in seen:
            cursor.execute(explain + statement, parameters)
            plans.append(" ".join(str(column) for row in cursor.fetchall() for column in row))
    assert "ix_exchange_as2_message_id" in plans[0], plans[0]
    assert "ix_exchange_mdn_awaited" in plans[1], plans[1]


def test_sqlite_schema_matches_models(settings: Settings) -> None:
    assert_schema_matches_models(settings)


def test_sqlite_meta_lookups_use_their_indexes(settings: Settings) -> None:
    assert_meta_lookups_use_their_indexes(settings)


def test_sqlite_connections_are_durable_and_concurrent(settings: Settings) -> None:
    """Every connection runs in WAL with ``synchronous=NORMAL`` (1): SQLite does not sync the WAL at
    commit because ``Database.transaction`` flushes it before returning, shared with concurrent commits
    (tests/gateway/test_durability.py checks that flush)."""
    upgrade(settings)
    with get_database(settings).engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_downgrade_past_inline_contents_is_refused_while_they_hold_evidence(settings: Settings) -> None:
    """Dropping ``archive_blob`` would lose contents records point to: refused, nothing changed."""
    upgrade(settings)
    cfg = alembic_config(settings.resolved_database_url)
    command.downgrade(cfg, "0010")  # empty: allowed
    upgrade(settings)
    with get_database(settings).transaction() as session:
        append(session, settings.resolved_archive_dir, "as2-message-in", b"ISA*00*evidence~")
    with pytest.raises(RuntimeError, match="archive_blob holds 1 archived contents"):
        command.downgrade(cfg, "0010")
    with get_database(settings).sessions() as session:
        assert verify(session, settings.resolved_archive_dir).records == 1
