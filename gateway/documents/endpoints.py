"""Documents API: the ERP (operator role) sends canonical documents to partners; operators and auditors
read documents, where their exchange stands, their reconciliation with the PO and overdue acks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from gateway.auth.service import Principal
from gateway.deps import MAX_ID, DatabaseDep, Id, SettingsDep, require
from gateway.documents import reconciliation, service
from gateway.documents.schemas import (
    IDEMPOTENCY_KEY_MAX,
    DocumentIn,
    DocumentOut,
    DocumentSent,
    DocumentSummary,
    OverdueAck,
    ReconciliationOut,
    control_numbers,
)
from gateway.models.auth import Role
from gateway.models.base import utcnow
from gateway.models.exchange import Direction
from gateway.models.reconciliation import ReconciliationStatus

router = APIRouter(prefix="/v1/documents", tags=["documents"])
Sender = Annotated[Principal, Depends(require(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(require(Role.OPERATOR, Role.AUDITOR))]
NUMBER_MAX = 80


@router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "the same document was sent before: the earlier one is returned"},
        404: {"description": "no such partner"},
        409: {"description": "same business key or Idempotency-Key with different content"},
        422: {"description": "not a canonical document, or the partner has no outbound format for it"},
    },
)
def send_document(
    body: DocumentIn,
    response: Response,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: Sender,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=IDEMPOTENCY_KEY_MAX)
    ] = None,
) -> DocumentSent:
    """Render a canonical document in the partner's outbound format and queue it for its transport."""
    with db.transaction() as session:
        sent = service.send_document(
            session, settings, body.partner_id, body.document, idempotency_key=idempotency_key, by=principal
        )
        if not sent.created:
            response.status_code = 200
        return DocumentSent(
            document_id=sent.document.id,
            exchange_id=sent.exchange.id,
            kind=sent.document.kind,
            number=sent.document.number,
            message_type=sent.document.message_type,
            control_numbers=control_numbers(sent.document),
            created=sent.created,
        )


@router.get("")
def list_documents(
    db: DatabaseDep,
    _principal: Reader,
    partner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    kind: Annotated[str | None, Query(max_length=30)] = None,
    number: Annotated[str | None, Query(max_length=NUMBER_MAX)] = None,
    direction: Direction | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LISTED)] = 100,
) -> list[DocumentSummary]:
    """Documents received and sent, newest first, filtered by partner, kind, number and direction."""
    with db.sessions() as session:
        rows = service.list_documents(
            session, partner_id=partner_id, kind=kind, number=number, direction=direction, limit=limit
        )
        return [DocumentSummary.of(d) for d in rows]


@router.get("/acks/overdue")
def overdue_acks(
    db: DatabaseDep,
    _principal: Reader,
    partner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=reconciliation.SWEEP_BATCH)] = 100,
) -> list[OverdueAck]:
    """Sent documents whose functional ack (997/999/CONTRL) the partner's format expects but has not come."""
    with db.sessions() as session:
        rows = reconciliation.overdue_acks(session, utcnow(), partner_id, limit)
        return [OverdueAck.of(e) for e in rows]


@router.get("/reconciliations")
def list_reconciliations(
    db: DatabaseDep,
    _principal: Reader,
    status: ReconciliationStatus | None = None,
    partner_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    after_id: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    limit: Annotated[int, Query(ge=1, le=reconciliation.SWEEP_BATCH)] = 100,
) -> list[ReconciliationOut]:
    """Reconciliations in id order after ``after_id`` (e.g. ``status=deviations``): the ERP polls this feed
    for answers that change or refuse its orders."""
    with db.sessions() as session:
        rows = reconciliation.list_reconciliations(
            session, status=status, partner_id=partner_id, after_id=after_id, limit=limit
        )
        return [ReconciliationOut.of(r) for r in rows]


@router.get("/{document_id}", responses={404: {}})
def get_document(document_id: Id, db: DatabaseDep, _principal: Reader) -> DocumentOut:
    """A document's canonical JSON and where its exchange stands (sent, MDN, functional ack)."""
    with db.sessions() as session:
        document, exchange = service.get_document(session, document_id)
        return DocumentOut.full(document, exchange)


@router.get("/{document_id}/reconciliation", responses={404: {}})
def get_reconciliation(document_id: Id, db: DatabaseDep, _principal: Reader) -> list[ReconciliationOut]:
    """For an 855/856: its PO and the deviations; for a PO: every answer linked to it."""
    with db.sessions() as session:
        return [ReconciliationOut.of(r) for r in reconciliation.reconciliation_of(session, document_id)]
