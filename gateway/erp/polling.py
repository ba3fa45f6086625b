"""The staging connector's polling hook (ERP → gateway): rows the ERP writes into its outbound staging
table (partner code + canonical JSON, ``status`` ``new``) go the same way as ``POST /v1/documents``.

Each row is claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent pollers never take the same
row), sent in one gateway transaction with the idempotency key ``staging:<table>:<row id>``, and then
marked ``taken`` (with the document and exchange ids) or ``error`` (with the reason the API would give)
in the claiming transaction. The gateway commits first: a crash before the mark leaves the row ``new``
and the next poll finds the document by its idempotency key instead of sending it again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Row, Table, select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.db import Database, get_database
from gateway.documents.service import send_document
from gateway.erp.staging import reflected, staging_database
from gateway.errors import GatewayError, NotFoundError
from gateway.models.base import utcnow
from gateway.models.partner import Partner
from translators.canonical import document_from_dict

log = logging.getLogger(__name__)

NEW = "new"
TAKEN = "taken"
ERROR = "error"
MAX_ERROR_CHARS = 2000


@dataclass
class Polled:
    taken: int = 0
    refused: int = 0


def idempotency_key(table: str, row_id: int) -> str:
    return f"staging:{table}:{row_id}"


def _partner_id(session: Session, code: str) -> int:
    found = session.scalar(select(Partner.id).where(Partner.code == code.strip()))
    if found is None:
        raise NotFoundError(f"partner {code!r} does not exist", location="partner")
    return found


def _send(gateway: Database, settings: Settings, table: str, row: Row[Any]) -> dict[str, Any]:
    """Send one row's document; the values that mark the row."""
    try:
        raw = row.document if isinstance(row.document, dict) else json.loads(row.document)
        document = document_from_dict(raw)
        with gateway.transaction() as session:
            partner_id = _partner_id(session, str(row.partner))
            sent = send_document(
                session, settings, partner_id, document, idempotency_key=idempotency_key(table, row.id)
            )
            ids = {"document_id": sent.document.id, "exchange_id": sent.exchange.id}
    except (GatewayError, ValidationError, ValueError, TypeError) as exc:
        log.warning("staging row refused", extra={"table": table, "row_id": row.id, "error": str(exc)})
        return {
            "status": ERROR,
            "error": f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS],
            "taken_at": utcnow(),
        }
    return {"status": TAKEN, "error": None, "taken_at": utcnow()} | ids


@contextmanager
def _claimed(staging: Database, table: Table) -> Iterator[tuple[Session, Row[Any] | None]]:
    """The oldest new row, locked for this transaction where the database can skip locked rows.

    SQLite cannot, and holding its single write lock while the gateway writes (possibly to the same file)
    would deadlock: the row is read, and marked afterwards only if still new.
    """
    stmt = select(table).where(table.c.status == NEW).order_by(table.c.id).limit(1)
    if staging.engine.dialect.name == "postgresql":
        with staging.transaction() as session:
            yield session, session.execute(stmt.with_for_update(skip_locked=True)).first()
        return
    with staging.sessions() as reader:
        row = reader.execute(stmt).first()
    with staging.transaction() as session:
        yield session, row


def poll(settings: Settings) -> Polled:
    """Take up to ``erp_staging_poll_batch`` new rows, oldest first (see module doc)."""
    assert settings.erp_staging_url is not None
    assert settings.erp_staging_outbound_table is not None
    name = settings.erp_staging_outbound_table
    url = settings.erp_staging_url.get_secret_value()
    table, staging, gateway = reflected(url, name), staging_database(url), get_database(settings)
    polled = Polled()
    for _ in range(settings.erp_staging_poll_batch):
        with _claimed(staging, table) as (session, row):
            if row is None:
                break
            values = _send(gateway, settings, name, row)
            mark = update(table).where(table.c.id == row.id, table.c.status == NEW)
            result = session.execute(mark.values({k: v for k, v in values.items() if k in table.c}))
        if not getattr(result, "rowcount", 1):
            continue  # another poller marked it first (SQLite; the document exists once either way)
        if values["status"] == TAKEN:
            polled.taken += 1
        else:
            polled.refused += 1
    if polled.taken or polled.refused:
        log.info(
            "staging table polled", extra={"table": name, "taken": polled.taken, "refused": polled.refused}
        )
    return polled
