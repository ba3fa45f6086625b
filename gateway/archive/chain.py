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
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.blobs import blob_path, put_blob
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


def _head(session: Session) -> ArchiveHead:
    head = session.get(ArchiveHead, 1, with_for_update=True)
    if head is None:
        raise RuntimeError("archive_head row missing: run `edigw db upgrade`")
    return head


@dataclass(frozen=True)
class Item:
    """One artefact to archive."""

    kind: str
    content: bytes
    meta: dict[str, Any] | None = None
    subject_type: str | None = None
    subject_id: int | None = None


def append_many(
    session: Session, root: Path, items: list[Item], now: datetime | None = None
) -> list[ArchiveRecord]:
    """Store every item's content and chain one record each, in order, in the caller's transaction.

    Blobs are durable before the records are written; the head row lock serialises appends until the
    caller commits, so call this late in the transaction.
    """
    digests = [put_blob(root, item.content) for item in items]
    head = _head(session)
    created = now or utcnow()
    records = []
    for item, digest in zip(items, digests, strict=True):
        record = ArchiveRecord(
            seq=head.seq + 1,
            kind=item.kind,
            subject_type=item.subject_type,
            subject_id=item.subject_id,
            content_sha256=digest,
            content_size=len(item.content),
            meta=json.loads(canonical_json(item.meta or {})),
            prev_hash=head.record_hash,
            created_at=created,
        )
        record.record_hash = compute_hash(hashed_fields(record))
        head.seq, head.record_hash = record.seq, record.record_hash
        records.append(record)
    session.add_all(records)
    session.flush()
    return records


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
) -> ArchiveRecord:
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


def _content_ok(root: Path, record: ArchiveRecord) -> str | None:
    path = blob_path(root, record.content_sha256)
    if not path.exists():
        return "archived content is missing"
    digest = hashlib.sha256()
    with path.open("rb") as blob:
        for chunk in iter(lambda: blob.read(1 << 20), b""):
            digest.update(chunk)
    if digest.hexdigest() != record.content_sha256:
        return "archived content does not match its hash (altered file)"
    return None


def verify_record(root: Path, record: ArchiveRecord, expected_seq: int, prev_hash: str) -> str | None:
    """Why ``record`` is not a valid next link after ``prev_hash``, or None."""
    if record.seq != expected_seq:
        return f"expected record {expected_seq} here, found {record.seq} (a record was removed)"
    if record.prev_hash != prev_hash:
        return "previous-hash does not match the record before it"
    if compute_hash(hashed_fields(record)) != record.record_hash:
        return "record fields do not match its hash (altered record)"
    return _content_ok(root, record)


def verify(session: Session, root: Path) -> ChainReport:
    """Re-check every record and blob from the start; stop at the first broken link."""
    prev, count = GENESIS_HASH, 0
    for record in _records(session):
        reason = verify_record(root, record, count + 1, prev)
        if reason:
            return ChainReport(count, prev, BrokenLink(record.seq, reason))
        prev, count = record.record_hash, count + 1
    head = session.get(ArchiveHead, 1)
    if head is not None and (head.seq, head.record_hash) != (count, prev):
        return ChainReport(
            count, prev, BrokenLink(count + 1, "chain ends before the recorded head (truncated)")
        )
    return ChainReport(count, prev, None)
