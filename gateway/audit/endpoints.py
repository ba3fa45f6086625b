"""Auditor endpoints: search exchanges and MDNs, read exact archived bytes, export and check evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Response

from gateway.audit import service
from gateway.audit.evidence import verify_bundle
from gateway.audit.schemas import CheckOut, ExchangeDetail, ExchangeOut, RecordOut, VerificationOut
from gateway.auth.service import Principal, audit
from gateway.deps import DatabaseDep, Id, SettingsDep, require
from gateway.models.auth import Role

router = APIRouter(tags=["audit"])
Reader = Annotated[Principal, Depends(require(Role.AUDITOR, Role.OPERATOR))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR))]
MAX_BUNDLE_UPLOAD_BYTES = 512 * 1024 * 1024


@router.get("/v1/exchanges")
def search(
    db: DatabaseDep,
    _principal: Reader,
    partner_id: int | None = None,
    direction: Literal["inbound", "outbound"] | None = None,
    message_id: Annotated[str | None, Query(max_length=300)] = None,
    document_number: Annotated[str | None, Query(max_length=80, description="PO, ASN or ack number")] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    disposition: Annotated[
        str | None, Query(max_length=100, description="MDN disposition contains, e.g. decryption-failed")
    ] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ExchangeOut]:
    with db.sessions() as session:
        found = service.search_exchanges(
            session,
            partner_id=partner_id,
            direction=direction,
            message_id=message_id,
            document_number=document_number,
            status=status,
            disposition=disposition,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
        return [ExchangeOut.of(e) for e in found]


@router.get("/v1/exchanges/{exchange_id}")
def detail(exchange_id: Id, db: DatabaseDep, _principal: Reader) -> ExchangeDetail:
    with db.sessions() as session:
        exchange = service.get_exchange(session, exchange_id)
        records = [RecordOut.of(r) for r in service.records_of(session, exchange_id)]
        return ExchangeDetail(**ExchangeOut.of(exchange).model_dump(), meta=exchange.meta, records=records)


@router.get(
    "/v1/archive/records/{seq}/content",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def content(seq: Id, db: DatabaseDep, settings: SettingsDep, principal: Auditor) -> Response:
    """The exact archived bytes (wire message, MDN, payload), with their hash in a header."""
    with db.transaction() as session:
        record, data = service.record_content(session, settings.resolved_archive_dir, seq)
        audit(session, principal, "archive.read", "archive_record", seq)
    headers = {"X-Content-SHA256": record.content_sha256, "X-Archive-Kind": record.kind}
    return Response(data, media_type="application/octet-stream", headers=headers)


@router.get(
    "/v1/exchanges/{exchange_id}/evidence",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def evidence(exchange_id: Id, db: DatabaseDep, settings: SettingsDep, principal: Auditor) -> Response:
    """An evidence bundle to verify offline with ``edigw evidence verify``."""
    with db.transaction() as session:
        bundle = service.export_bundle(session, settings.resolved_archive_dir, exchange_id)
        audit(session, principal, "evidence.export", "exchange", exchange_id)
    disposition = f'attachment; filename="evidence-{exchange_id}.zip"'
    return Response(bundle, media_type="application/zip", headers={"Content-Disposition": disposition})


@router.post("/v1/evidence/verify")
def verify(
    bundle: Annotated[bytes, Body(media_type="application/octet-stream", max_length=MAX_BUNDLE_UPLOAD_BYTES)],
    _principal: Auditor,
) -> VerificationOut:
    """The same offline check as ``edigw evidence verify``, for a bundle uploaded as the body."""
    report = verify_bundle(bundle)
    return VerificationOut(
        ok=report.ok, checks=[CheckOut(name=c.name, ok=c.ok, detail=c.detail) for c in report.checks]
    )
