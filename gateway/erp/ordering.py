"""Ordering per partner towards the ERP: an acknowledgement (855/ORDRSP) or ship notice (856/DESADV) never
reaches the ERP before the purchase order it answers, and an event about a document never before the
document itself.

A PO has reached the ERP when the ERP sent it (outbound) or when our delivery of it succeeded. Until then
the answer's job is deferred (``gateway.outbox.Deferred``, no attempt used) and woken when the PO is
delivered or stored by the ERP, else re-checked with a growing interval. The wait is bounded by
``EDIGW_ERP_ORDER_WAIT_SECONDS`` from when the answer was stored: after it the answer is delivered anyway,
flagged ``po_not_delivered`` for the ERP (it must not be lost because a PO never came or went dead).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.documents.reconciliation import ANSWER_KINDS, PO_KIND, answer_po_numbers, find_po
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Document, ErpDelivery
from gateway.outbox import Deferred, wake

log = logging.getLogger(__name__)

SYNC_TASK = "erp.sync_document"
EVENT_TASK = "erp.sync_event"
DELIVERED = "delivered"
FIRST_RECHECK_SECONDS = 5.0
MAX_RECHECK_SECONDS = 300.0
PO_NOT_DELIVERED = "po_not_delivered"
DOCUMENT_NOT_DELIVERED = "document_not_delivered"


def document_key(document_id: int) -> str:
    """The ERP delivery key of a document (sent as ``Idempotency-Key``, the staging tables' unique key)."""
    return f"edigw-document-{document_id}"


def _po_waiting(partner_id: int, po_number: str) -> str:
    return f"po:{partner_id}:{po_number}"


def _document_waiting(document_id: int) -> str:
    return f"document:{document_id}"


def recheck_seconds(deferrals: int) -> float:
    return min(MAX_RECHECK_SECONDS, FIRST_RECHECK_SECONDS * 2.0 ** min(deferrals, 16))


def delivered(session: Session, document_id: int) -> bool:
    found = session.scalar(
        select(ErpDelivery.id)
        .where(
            ErpDelivery.document_id == document_id,
            ErpDelivery.idempotency_key == document_key(document_id),
            ErpDelivery.outcome == DELIVERED,
        )
        .limit(1)
    )
    return found is not None


def missing_po(session: Session, answer: Document) -> str | None:
    """The first PO number the answer names whose PO has not reached the ERP (None: all have)."""
    for number in answer_po_numbers(answer):
        po = find_po(session, answer.partner_id, number[:80])
        if po is None or (po.direction is Direction.INBOUND and not delivered(session, po.id)):
            return number
    return None


def _expired(settings: Settings, document: Document) -> bool:
    return utcnow() >= document.created_at + timedelta(seconds=settings.erp_order_wait_seconds)


def document_flags(
    session: Session, settings: Settings, document: Document, deferrals: int
) -> tuple[dict[str, Any], ...]:
    """Nothing when the document may go to the ERP now; raises ``Deferred`` while its PO has not reached
    the ERP; after the bounded wait, the flag the ERP receives with it."""
    if document.kind not in ANSWER_KINDS:
        return ()
    number = missing_po(session, document)
    if number is None:
        return ()
    if not _expired(settings, document):
        raise Deferred(_po_waiting(document.partner_id, number[:80]), recheck_seconds(deferrals))
    log.warning(
        "delivering an answer whose purchase order has not reached the ERP",
        extra={"document_id": document.id, "po_number": number},
    )
    return ({"code": PO_NOT_DELIVERED, "po_number": number},)


def event_flags(
    session: Session, settings: Settings, document: Document, deferrals: int
) -> tuple[dict[str, Any], ...]:
    """An event waits for the document it is about to reach the ERP (bounded like a document)."""
    if delivered(session, document.id):
        return ()
    if not _expired(settings, document):
        raise Deferred(_document_waiting(document.id), recheck_seconds(deferrals))
    return ({"code": DOCUMENT_NOT_DELIVERED, "document_id": document.id},)


def after_delivery(session: Session, document: Document) -> None:
    """Wake what waited for this document: its events and, for a PO, the answers to it."""
    wake(session, EVENT_TASK, _document_waiting(document.id))
    if document.kind == PO_KIND:
        wake(session, SYNC_TASK, _po_waiting(document.partner_id, document.number))


def po_stored_by_erp(session: Session, document: Document) -> None:
    """A PO the ERP sent has reached it by definition: answers waiting for it go now."""
    if document.kind == PO_KIND and document.direction is Direction.OUTBOUND:
        wake(session, SYNC_TASK, _po_waiting(document.partner_id, document.number))
