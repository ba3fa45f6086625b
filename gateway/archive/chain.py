"""Hash chain of archive records: how a record's hash is computed, appending, and verification.

``record_hash = SHA-256(canonical JSON of seq, kind, subject, content hash and size, meta, created_at,
prev_hash)``. Changing any archived byte, any field, or removing or reordering a record breaks the chain
at that record, which ``verify`` reports as the first broken link.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from gateway.archive.blobs import Prepared, prepare, save, stored_digest
from gateway.models.archive import GENESIS_HASH, ArchiveHead, ArchiveRecord
from gateway.models.base import utcnow

VERIFY_BATCH = 500


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def compute_hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(fields)).hexdigest()


def hashed_fields(record: ArchiveRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "kind": record.kind,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "content_sha256": record.content_sha256,
        "content_size": record.content_size,
        "meta": record.meta,
        "created_at": record.created_at.isoformat(timespec="microseconds"),
        "prev_hash": record.prev_hash,
    }


_HEAD = cast(Table, ArchiveHead.__table__)
_RECORD = cast(Table, ArchiveRecord.__table__)
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.record_hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_RECORDS = insert(_RECORD)
# With RETURNING, SQLAlchemy sends the rows as one multi-row INSERT: on PostgreSQL that is one round trip
# while the head is locked instead of a pipeline of several; on SQLite plain executemany is cheaper.
_INSERT_RECORDS_AT_ONCE = insert(_RECORD).returning(_RECORD.c.seq)
_MOVE_HEAD = (
    update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), record_hash=bindparam("new_hash"))
)


@dataclass(frozen=True)
class Item:
    """One artefact to archive."""

    kind: str
    content: bytes
    meta: dict[str, Any] | None = None
    subject_type: str | None = None
    subject_id: int | None = None


@dataclass(frozen=True, slots=True)
class Appended:
    """A record as it was appended."""

    seq: int
    kind: str
    subject_type: str | None
    subject_id: int | None
    content_sha256: str
    content_size: int
    meta: dict[str, Any]
    prev_hash: str
    record_hash: str
    created_at: datetime


def _row(item: Item, digest: str, seq: int, prev_hash: str, created: datetime) -> dict[str, Any]:
    """The record's columns; the hashed ones are exactly :func:`hashed_fields` of the stored row."""
    row = {
        "seq": seq,
        "kind": item.kind,
        "subject_type": item.subject_type,
        "subject_id": item.subject_id,
        "content_sha256": digest,
        "content_size": len(item.content),
        "meta": json.loads(canonical_json(item.meta or {})),
        "created_at": created.isoformat(timespec="microseconds"),
        "prev_hash": prev_hash,
    }
    row["record_hash"] = compute_hash(row)
    row["created_at"] = created
    return row


def store(session: Session, root: Path, contents: list[bytes]) -> list[str]:
    """Archive ``contents`` for something recorded in the caller's transaction without a record of
    its own; returns their SHA-256s. Large contents are durable files when this returns, small ones
    commit with the transaction, saved (on PostgreSQL) under the head as :func:`append_many` saves
    them (see ``gateway.archive.blobs.save``)."""
    prepared = prepare(root, contents)
    if prepared.inline and session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_LOCK_HEAD)
    save(session, prepared)
    return [prepared.digest_of(content) for content in contents]


def append_many(
    session: Session,
    root: Path,
    items: list[Item],
    now: datetime | None = None,
    *,
    prepared: Prepared | None = None,
) -> list[Appended]:
    """Archive every item's content and chain one record each, in order, in the caller's transaction.

    The contents are archived with ``gateway.archive.blobs``: large ones as durable files before the
    records, small ones as rows of this transaction, saved under the head. ``prepared`` is the caller's
    ``prepare`` of them (done outside the write lock; it may hold more contents than the items). Four
    statements whatever the number of items: lock the head, save the small contents,
    insert the records, move the head. The head row lock serialises appends until the caller commits,
    so call this last in the transaction.
    """
    if not items:
        return []
    if prepared is None:
        prepared = prepare(root, [item.content for item in items])
    digests = [prepared.digest_of(item.content) for item in items]
    session.flush()  # the caller's pending ORM changes go first, as they would with session.execute
    conn = session.connection()
    head = conn.execute(_LOCK_HEAD).first()
    if head is None:
        raise RuntimeError("archive_head row missing: run `edigw db upgrade`")
    save(session, prepared)
    seq, prev_hash = int(head.seq), str(head.record_hash)
    created = now or utcnow()
    rows = []
    for item, digest in zip(items, digests, strict=True):
        seq += 1
        rows.append(_row(item, digest, seq, prev_hash, created))
        prev_hash = rows[-1]["record_hash"]
    if conn.dialect.name == "postgresql":
        conn.execute(_INSERT_RECORDS_AT_ONCE, rows).all()
    else:
        conn.execute(_INSERT_RECORDS, rows)
    conn.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    return [Appended(**row) for row in rows]


def append(
    session: Session,
    root: Path,
    kind: str,
    content: bytes,
    *,
    meta: dict[str, Any] | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    now: datetime | None = None,
) -> Appended:
    """Store ``content`` and chain a record for it (see :func:`append_many`)."""
    return append_many(session, root, [Item(kind, content, meta, subject_type, subject_id)], now)[0]


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    records: int
    head_hash: str
    broken: BrokenLink | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _records(session: Session) -> Iterator[ArchiveRecord]:
    last = 0
    while True:
        batch = list(
            session.scalars(
                select(ArchiveRecord)
                .where(ArchiveRecord.seq > last)
                .order_by(ArchiveRecord.seq)
                .limit(VERIFY_BATCH)
            )
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def _content_ok(session: Session, root: Path, record: ArchiveRecord) -> str | None:
    found = stored_digest(session, root, record.content_sha256)
    if found is None:
        return "archived content is missing"
    where, digest = found
    if digest != record.content_sha256:
        altered = "row" if where == "database" else "file"
        return f"archived content does not match its hash (altered {altered})"
    return None


def verify_record(
    session: Session, root: Path, record: ArchiveRecord, expected_seq: int, prev_hash: str
) -> str | None:
    """Why ``record`` is not a valid next link after ``prev_hash``, or None."""
    if record.seq != expected_seq:
        return f"expected record {expected_seq} here, found {record.seq} (a record was removed)"
    if record.prev_hash != prev_hash:
        return "previous-hash does not match the record before it"
    if compute_hash(hashed_fields(record)) != record.record_hash:
        return "record fields do not match its hash (altered record)"
    return _content_ok(session, root, record)


def verify(session: Session, root: Path) -> ChainReport:
    """Re-check every record and blob from the start; stop at the first broken link."""
    prev, count = GENESIS_HASH, 0
    for record in _records(session):
        reason = verify_record(session, root, record, count + 1, prev)
        if reason:
            return ChainReport(count, prev, BrokenLink(record.seq, reason))
        prev, count = record.record_hash, count + 1
    head = session.get(ArchiveHead, 1)
    if head is not None and (head.seq, head.record_hash) != (count, prev):
        return ChainReport(
            count, prev, BrokenLink(count + 1, "chain ends before the recorded head (truncated)")
        )
    return ChainReport(count, prev, None)
