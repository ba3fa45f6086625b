"""Finding exchanges and exporting evidence bundles from the archive."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.archive.chain import hashed_fields
from gateway.audit.evidence import BUNDLE_FORMAT, MANIFEST
from gateway.certificates.service import certificates_of, find_station_by_as2_id
from gateway.errors import NotFoundError
from gateway.models.archive import ArchiveHead, ArchiveRecord
from gateway.models.base import utcnow
from gateway.models.exchange import Document, Exchange
from gateway.models.partner import Partner

MAX_LINKS_IN_BUNDLE = 100_000
CONTROL_NUMBER_WIDTHS = (4, 9, 14)
"""Zero-padded widths control numbers are written with (X12 ST02, ISA13, EDIFACT references)."""


def search_exchanges(
    session: Session,
    *,
    partner_id: int | None = None,
    direction: str | None = None,
    message_id: str | None = None,
    document_number: str | None = None,
    control_number: str | None = None,
    status: str | None = None,
    disposition: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Exchange]:
    stmt: Select[Exchange] = select(Exchange).order_by(Exchange.id.desc()).limit(limit).offset(offset)
    if partner_id is not None:
        stmt = stmt.where(Exchange.partner_id == partner_id)
    if direction is not None:
        stmt = stmt.where(Exchange.direction == direction)
    if message_id is not None:
        stmt = stmt.where(Exchange.message_id == message_id.strip().strip("<>"))
    if status is not None:
        stmt = stmt.where(Exchange.status == status)
    if disposition is not None:
        stmt = stmt.where(Exchange.meta["mdn"]["disposition"].as_string().contains(disposition))
    if since is not None:
        stmt = stmt.where(Exchange.received_at >= since)
    if until is not None:
        stmt = stmt.where(Exchange.received_at < until)
    if document_number is not None:
        stmt = stmt.where(
            Exchange.id.in_(select(Document.exchange_id).where(Document.number == document_number))
        )
    if control_number is not None:
        refs = {control_number.strip(), control_number.strip().lstrip("0") or "0"}
        refs |= {ref.zfill(width) for ref in tuple(refs) for width in CONTROL_NUMBER_WIDTHS}
        carrying = or_(
            Document.interchange_ref.in_(refs), Document.group_ref.in_(refs), Document.message_ref.in_(refs)
        )
        stmt = stmt.where(Exchange.id.in_(select(Document.exchange_id).where(carrying)))
    return list(session.scalars(stmt))


def records_of(session: Session, exchange_id: int) -> list[ArchiveRecord]:
    return list(
        session.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.subject_type == "exchange", ArchiveRecord.subject_id == exchange_id)
            .order_by(ArchiveRecord.seq)
        )
    )


def get_exchange(session: Session, exchange_id: int) -> Exchange:
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFoundError(f"exchange {exchange_id} does not exist")
    return exchange


def record_content(session: Session, root: Any, seq: int) -> tuple[ArchiveRecord, bytes]:
    record = session.scalar(select(ArchiveRecord).where(ArchiveRecord.seq == seq))
    if record is None:
        raise NotFoundError(f"archive record {seq} does not exist")
    return record, get_blob(session, root, record.content_sha256)


def _links(session: Session, first: int, last: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ArchiveRecord.seq, ArchiveRecord.prev_hash, ArchiveRecord.record_hash)
        .where(ArchiveRecord.seq.between(first, min(last, first + MAX_LINKS_IN_BUNDLE)))
        .order_by(ArchiveRecord.seq)
    ).all()
    return [{"seq": seq, "prev_hash": prev, "record_hash": digest} for seq, prev, digest in rows]


def _pems(session: Session, *, partner_id: int | None = None, station_id: int | None = None) -> list[str]:
    return [row.info["pem"] for row in certificates_of(session, partner_id=partner_id, station_id=station_id)]


def export_bundle(session: Session, root: Any, exchange_id: int) -> bytes:
    """A zip with the exchange's archived artefacts, the chain links over them and the certificates."""
    exchange = get_exchange(session, exchange_id)
    records = records_of(session, exchange_id)
    if not records:
        raise NotFoundError(f"exchange {exchange_id} has no archived records")
    partner = session.get(Partner, exchange.partner_id)
    station_as2 = (exchange.meta.get("mdn") or {}).get("headers", [])
    station_id = _station_id(session, station_as2)
    head = session.get(ArchiveHead, 1)
    manifest = {
        "format": BUNDLE_FORMAT,
        "exported_at": utcnow().isoformat(),
        "exchange": {
            "id": exchange.id,
            "partner": partner.code if partner else None,
            "direction": exchange.direction.value,
            "transport": exchange.transport,
            "message_id": exchange.message_id,
            "as2_message_id": exchange.meta.get("as2_message_id", exchange.message_id),
            "received_at": exchange.received_at.isoformat(),
            "mic": exchange.meta.get("mic"),
            "mic_algorithm": exchange.meta.get("mic_algorithm"),
            "mdn_disposition": (exchange.meta.get("mdn") or {}).get("disposition"),
        },
        "records": [
            {
                "file": f"records/{r.seq}-{r.kind}.bin",
                "fields": hashed_fields(r),
                "record_hash": r.record_hash,
            }
            for r in records
        ],
        "links": _links(session, records[0].seq, records[-1].seq),
        "head": {"seq": head.seq, "record_hash": head.record_hash} if head else None,
        "certificates": {
            "partner": _pems(session, partner_id=exchange.partner_id),
            "station": _pems(session, station_id=station_id) if station_id else [],
        },
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        for record in records:
            bundle.writestr(
                f"records/{record.seq}-{record.kind}.bin", get_blob(session, root, record.content_sha256)
            )
    return out.getvalue()


def _station_id(session: Session, mdn_headers: list[list[str]]) -> int | None:
    """The station that answered: the AS2-From of our MDN."""
    sender = next((value for name, value in mdn_headers if name.lower() == "as2-from"), None)
    station = find_station_by_as2_id(session, sender.strip('"')) if sender else None
    return station.id if station else None
