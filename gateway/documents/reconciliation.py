"""Reconciliation (DESIGN.md §3): each acknowledgement (855/ORDRSP) and ship notice (856/DESADV) is linked
to the purchase order it names — same partner and PO number, sent by us or received — and its deviations
are recorded; an answer whose PO is not known yet waits (until ``WAIT``) and is checked again when the PO
is stored and by the periodic sweep. Functional acks (997/999/TA1/CONTRL) are linked to the outbound
exchange they acknowledge, and exchanges whose expected ack has not come are reported overdue.

A reconciliation that ends with deviations or unmatched is emitted as an event for the ERP: an
``erp.sync_event`` job (``reconciliation`` event, delivered through the ERP connector after the answer
itself), one per row and outcome, so running the reconciliation again emits nothing new.

Jobs: ``documents.reconcile`` (one document; safe to run twice), ``documents.sweep_reconciliation``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.documents.deviations import (
    acknowledgement_deviations,
    acknowledgement_links,
    po_numbers,
    ship_notice_deviations,
    ship_notice_links,
)
from gateway.errors import NotFoundError
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Document, Exchange, ExchangeStatus
from gateway.models.reconciliation import Reconciliation, ReconciliationStatus
from gateway.outbox import enqueue
from translators.canonical import (
    Acknowledgement,
    FunctionalAck,
    PurchaseOrder,
    Purpose,
    ShipNotice,
    document_from_dict,
)

log = logging.getLogger(__name__)

RECONCILE_TASK = "documents.reconcile"
SWEEP_TASK = "documents.sweep_reconciliation"
EVENT_TASK = "erp.sync_event"
EVENT = "reconciliation"
EVENT_STATUSES = frozenset({ReconciliationStatus.DEVIATIONS, ReconciliationStatus.UNMATCHED})
ANSWER_KINDS = frozenset({"acknowledgement", "ship_notice"})
PO_KIND = "purchase_order"
FUNCTIONAL_ACK_KIND = "functional_ack"
WAIT = timedelta(days=7)
ACK_WAIT = timedelta(hours=24)
SWEEP_BATCH = 500
ACK_STATUS_KEY = "ack_status"
ACK_AWAITING = "awaiting"
ACK_RECEIVED = "received"
ACK_SYNTAX = {"997": "x12", "999": "x12", "TA1": "x12", "CONTRL": "edifact"}


def after_store(session: Session, settings: Settings, document: Document) -> None:
    """Queue what a newly stored document triggers: its own reconciliation or ack link, or, for a PO,
    another look at the answers waiting for it."""
    if document.kind in ANSWER_KINDS or document.kind == FUNCTIONAL_ACK_KIND:
        _queue(session, settings, document.id, f"{RECONCILE_TASK}:{document.id}")
    elif document.kind == PO_KIND:
        for waiting in _waiting_for(session, document.partner_id, document.number):
            _queue(session, settings, waiting, f"{RECONCILE_TASK}:{waiting}:po:{document.id}")


def _queue(session: Session, settings: Settings, document_id: int, key: str) -> None:
    enqueue(session, settings, RECONCILE_TASK, subject_type="document", subject_id=document_id, dedup_key=key)


def _waiting_for(session: Session, partner_id: int, po_number: str) -> list[int]:
    rows = session.scalars(
        select(Reconciliation.document_id).where(
            Reconciliation.partner_id == partner_id,
            Reconciliation.po_number == po_number,
            Reconciliation.status == ReconciliationStatus.WAITING,
        )
    )
    return sorted(set(rows))


def find_po(session: Session, partner_id: int, po_number: str) -> Document | None:
    """The latest purchase order with this number exchanged with the partner (ours sent first)."""
    outbound_first = case((Document.direction == Direction.OUTBOUND, 0), else_=1)
    return session.scalar(
        select(Document)
        .where(Document.partner_id == partner_id, Document.kind == PO_KIND, Document.number == po_number)
        .order_by(outbound_first, Document.id.desc())
        .limit(1)
    )


def _earlier_notices(
    session: Session, answer: Document, notice: ShipNotice, po_number: str
) -> list[ShipNotice]:
    """Ship notices the partner sent before this one against the same PO (other shipments, not
    cancellations): what they shipped counts towards over-shipment."""
    ids = select(Reconciliation.document_id).where(
        Reconciliation.partner_id == answer.partner_id,
        Reconciliation.po_number == po_number,
        Reconciliation.document_id < answer.id,
    )
    rows = session.scalars(
        select(Document).where(Document.id.in_(ids), Document.kind == "ship_notice").order_by(Document.id)
    )
    notices = [document_from_dict(r.canonical) for r in rows]
    return [
        n
        for n in notices
        if isinstance(n, ShipNotice)
        and n.shipment_id != notice.shipment_id
        and n.purpose is not Purpose.CANCELLATION
    ]


def _compare(
    session: Session, po: Document, answer: Document, po_number: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The deviations of the answer from the PO, and which PO line each of its lines matched."""
    order = document_from_dict(po.canonical)
    parsed = document_from_dict(answer.canonical)
    assert isinstance(order, PurchaseOrder)
    if isinstance(parsed, Acknowledgement):
        found = acknowledgement_deviations(order, parsed)
        links = acknowledgement_links(order, parsed)
    else:
        assert isinstance(parsed, ShipNotice)
        earlier = _earlier_notices(session, answer, parsed, po_number)
        found = ship_notice_deviations(order, parsed, po_number, earlier)
        links = ship_notice_links(order, parsed, po_number)
    return [d.as_json() for d in found], [link.as_json() for link in links]


def _row(session: Session, answer: Document, po_number: str, now: datetime) -> Reconciliation:
    row = session.scalar(
        select(Reconciliation)
        .where(Reconciliation.document_id == answer.id, Reconciliation.po_number == po_number)
        .with_for_update()
    )
    if row is None:
        row = Reconciliation(
            document_id=answer.id,
            partner_id=answer.partner_id,
            po_number=po_number,
            status=ReconciliationStatus.WAITING,
            deviations=[],
            lines=[],
            wait_until=answer.created_at + WAIT,
            checked_at=now,
        )
        session.add(row)
        session.flush()
    return row


def event_of(row: Reconciliation, answer: Document) -> dict[str, Any]:
    """The ``reconciliation`` event the ERP receives about a row."""
    return {
        "event": EVENT,
        "reconciliation_id": row.id,
        "status": row.status.value,
        "partner_id": row.partner_id,
        "document_id": answer.id,
        "document_kind": answer.kind,
        "document_number": answer.number,
        "po_number": row.po_number,
        "po_document_id": row.po_document_id,
        "deviations": row.deviations,
        "lines": row.lines,
        "url": f"/v1/documents/{answer.id}/reconciliation",
    }


def _emit(session: Session, settings: Settings, row: Reconciliation, answer: Document) -> None:
    """Queue the event for this row's outcome (once per distinct outcome)."""
    outcome = json.dumps([row.status.value, row.deviations], sort_keys=True, default=str)
    digest = hashlib.sha256(outcome.encode()).hexdigest()[:16]
    key = f"edigw-reconciliation-{row.id}-{digest}"
    args = {"event": event_of(row, answer), "idempotency_key": key}
    enqueue(session, settings, EVENT_TASK, subject_type="document", subject_id=answer.id, args=args,
            dedup_key=f"{EVENT_TASK}:{key}")  # fmt: skip


def _settle(
    session: Session, settings: Settings, row: Reconciliation, answer: Document, now: datetime
) -> None:
    po = find_po(session, answer.partner_id, row.po_number)
    row.checked_at = now
    if po is None:
        expired = row.wait_until <= now
        row.status = ReconciliationStatus.UNMATCHED if expired else ReconciliationStatus.WAITING
    else:
        row.po_document_id = po.id
        row.deviations, row.lines = _compare(session, po, answer, row.po_number)
        row.status = ReconciliationStatus.DEVIATIONS if row.deviations else ReconciliationStatus.MATCHED
    if row.deviations:
        log.warning(
            "deviations from purchase order",
            extra={
                "document_id": answer.id,
                "po_document_id": row.po_document_id,
                "deviations": len(row.deviations),
            },
        )
    if row.status in EVENT_STATUSES:
        _emit(session, settings, row, answer)


def answer_po_numbers(answer: Document) -> list[str]:
    parsed = document_from_dict(answer.canonical)
    if isinstance(parsed, ShipNotice):
        return po_numbers(parsed)
    assert isinstance(parsed, Acknowledgement)
    return [parsed.po_number.strip()]


def reconcile(
    session: Session, settings: Settings, document_id: int, now: datetime | None = None
) -> list[Reconciliation]:
    """Link one stored document to what it answers and record the deviations (idempotent)."""
    moment = now or utcnow()
    document = session.get(Document, document_id)
    if document is None:
        return []
    if document.kind == FUNCTIONAL_ACK_KIND:
        link_functional_ack(session, document, moment)
        return []
    if document.kind not in ANSWER_KINDS:
        return []
    rows = []
    for po_number in answer_po_numbers(document):
        row = _row(session, document, po_number[:80], moment)
        _settle(session, settings, row, document, moment)
        rows.append(row)
    session.flush()
    return rows


def sweep(session: Session, settings: Settings, now: datetime | None = None) -> list[int]:
    """Check every waiting answer again (its PO may have come another way); expired ones become
    UNMATCHED. Returns the ids of the rows that stopped waiting."""
    moment = now or utcnow()
    rows = session.scalars(
        select(Reconciliation)
        .where(Reconciliation.status == ReconciliationStatus.WAITING)
        .order_by(Reconciliation.id)
        .limit(SWEEP_BATCH)
        .with_for_update()
    )
    settled = []
    for row in list(rows):
        answer = session.get(Document, row.document_id)
        assert answer is not None
        _settle(session, settings, row, answer, moment)
        if row.status is not ReconciliationStatus.WAITING:
            settled.append(row.id)
    return settled


def reconciliation_of(session: Session, document_id: int) -> list[Reconciliation]:
    """The rows about a document: as the answer (855/856) or as the PO being answered."""
    if session.get(Document, document_id) is None:
        raise NotFoundError(f"document {document_id} does not exist")
    rows = session.scalars(
        select(Reconciliation)
        .where(or_(Reconciliation.document_id == document_id, Reconciliation.po_document_id == document_id))
        .order_by(Reconciliation.id)
    )
    return list(rows)


def list_reconciliations(
    session: Session,
    *,
    status: ReconciliationStatus | None = None,
    partner_id: int | None = None,
    after_id: int = 0,
    limit: int = SWEEP_BATCH,
) -> list[Reconciliation]:
    """Reconciliation rows in id order after ``after_id``: a feed an ERP polls for new deviations."""
    stmt = select(Reconciliation).where(Reconciliation.id > after_id)
    if status is not None:
        stmt = stmt.where(Reconciliation.status == status)
    if partner_id is not None:
        stmt = stmt.where(Reconciliation.partner_id == partner_id)
    return list(session.scalars(stmt.order_by(Reconciliation.id).limit(limit)))


def _control_number(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


def _acknowledged(session: Session, ack_document: Document, ack: FunctionalAck) -> Exchange | None:
    """Our latest outbound document exchange in the ack's syntax that it names: by interchange reference
    (TA1, CONTRL) or by group control number (997/999 AK1). Latest, because numbers wrap around."""
    wanted = []
    if (ref := _control_number(ack.interchange_ref)) is not None:
        wanted.append(Exchange.meta["interchange_control_number"].as_integer() == ref)
    groups = [n for g in ack.groups if (n := _control_number(g.control_number)) is not None]
    if groups:
        wanted.append(Exchange.meta["group_control_number"].as_integer().in_(groups))
    if not wanted:
        return None
    stmt = select(Exchange).where(
        Exchange.partner_id == ack_document.partner_id, Exchange.direction == Direction.OUTBOUND, or_(*wanted)
    )
    if (syntax := ACK_SYNTAX.get(ack_document.message_type)) is not None:
        stmt = stmt.where(Exchange.syntax == syntax)
    return session.scalar(stmt.order_by(Exchange.id.desc()).limit(1).with_for_update())


def _ack_status(ack: FunctionalAck) -> str:
    statuses = [g.status.value for g in ack.groups]
    if ack.interchange_status is not None:
        statuses.insert(0, ack.interchange_status.value)
    return statuses[0] if len(set(statuses)) == 1 else ",".join(statuses)


def link_functional_ack(session: Session, document: Document, now: datetime) -> int | None:
    """Record the ack on the outbound exchange it acknowledges; returns its id (None: nothing matched)."""
    ack = document_from_dict(document.canonical)
    assert isinstance(ack, FunctionalAck)
    exchange = _acknowledged(session, document, ack)
    if exchange is None:
        log.warning("functional ack matches no exchange we sent", extra={"document_id": document.id})
        return None
    seen = {"document_id": document.id, "status": _ack_status(ack), "at": now.isoformat(timespec="seconds")}
    exchange.meta = exchange.meta | {ACK_STATUS_KEY: ACK_RECEIVED, "functional_ack": seen}
    return exchange.id


def overdue_acks(
    session: Session, now: datetime, partner_id: int | None = None, limit: int = SWEEP_BATCH
) -> list[Exchange]:
    """Sent document exchanges whose partner's format expects a functional ack that has not come within
    ``ACK_WAIT``, oldest first."""
    due = (now - ACK_WAIT).isoformat(timespec="seconds")
    stmt = select(Exchange).where(
        Exchange.direction == Direction.OUTBOUND,
        Exchange.status == ExchangeStatus.SENT,
        Exchange.meta[ACK_STATUS_KEY].as_string() == ACK_AWAITING,
        Exchange.meta["sent_at"].as_string() <= due,
    )
    if partner_id is not None:
        stmt = stmt.where(Exchange.partner_id == partner_id)
    return list(session.scalars(stmt.order_by(Exchange.id).limit(limit)))
