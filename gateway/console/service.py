"""Reads and actions behind the console pages, built on the services the API uses: exchange search and
evidence (audit), documents and reconciliation, overdue MDNs and resend (outbound), job replay (outbox),
certificates and partners. Role checks happen in the endpoints before any of these run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.auth.service import Principal, audit
from gateway.certificates.service import expiring
from gateway.console.schemas import ArtefactView, Count, JobRow, Step
from gateway.errors import ConflictError, NotFoundError
from gateway.models import JobStatus, OutboxJob
from gateway.models.archive import ArchiveRecord
from gateway.models.exchange import Direction, Document, ErpDelivery, Exchange, ExchangeStatus
from gateway.models.partner import Partner
from gateway.outbox import oldest_due_age_seconds, replay

ERP_TASK = "erp.sync_document"
MDN_KINDS = ("as2-mdn-out", "as2-mdn-in")
FAILED_STATUSES = (ExchangeStatus.FAILED, ExchangeStatus.REJECTED, ExchangeStatus.PARTIAL)
QUEUED_STATUSES = (JobStatus.PENDING, JobStatus.PUBLISHED, JobStatus.RUNNING)
EXPIRY_DAYS = 60
MAX_TEXT_BYTES = 256 * 1024
MAX_LISTED = 200


def start_of_day(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def partner_codes(session: Session, ids: set[int] | None = None) -> dict[int, str]:
    stmt = select(Partner.id, Partner.code)
    if ids is not None:
        stmt = stmt.where(Partner.id.in_(ids))
    return {pid: code for pid, code in session.execute(stmt).all()}  # noqa: C416 - rows, not pairs


# --- dashboard ---------------------------------------------------------------------------------------


def messages_today(session: Session, now: datetime) -> list[Count]:
    rows = session.execute(
        select(Partner.code, Exchange.direction, Exchange.status, func.count())
        .join(Partner, Partner.id == Exchange.partner_id)
        .where(Exchange.received_at >= start_of_day(now))
        .group_by(Partner.code, Exchange.direction, Exchange.status)
        .order_by(Partner.code, Exchange.direction, Exchange.status)
    ).all()
    return [Count((code, direction.value, status.value), n) for code, direction, status, n in rows]


def failures_today(session: Session, now: datetime) -> int:
    stmt = select(func.count()).where(
        Exchange.received_at >= start_of_day(now), Exchange.status.in_(FAILED_STATUSES)
    )
    return session.scalar(stmt) or 0


def dead_jobs(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboxJob.status == JobStatus.DEAD)) or 0


def queue_depth(session: Session) -> list[Count]:
    rows = session.execute(
        select(OutboxJob.queue, OutboxJob.status, func.count())
        .where(OutboxJob.status.in_(QUEUED_STATUSES))
        .group_by(OutboxJob.queue, OutboxJob.status)
        .order_by(OutboxJob.queue, OutboxJob.status)
    ).all()
    return [Count((queue, status.value), n) for queue, status, n in rows]


def relay_lag(session: Session, now: datetime) -> float:
    return oldest_due_age_seconds(session, now)


def expiring_certificates(session: Session, now: datetime) -> list[dict[str, Any]]:
    codes = partner_codes(session)
    return [
        {
            "owner": f"partner {codes.get(row.partner_id, row.partner_id)}"
            if row.partner_id is not None
            else f"station {row.station_id}",
            "partner_id": row.partner_id,
            "subject": warning.subject,
            "ends": warning.ends,
            "days_left": warning.seconds_left // 86400,
            "expired": warning.threshold_days is None,
        }
        for row, warning in expiring(session, now, EXPIRY_DAYS)
    ]


# --- exchanges ---------------------------------------------------------------------------------------


def documents_of(session: Session, exchange_id: int) -> list[Document]:
    return list(
        session.scalars(select(Document).where(Document.exchange_id == exchange_id).order_by(Document.id))
    )


def acks_of(session: Session, exchange_id: int) -> list[Exchange]:
    """The acknowledgements (997/999/TA1/CONTRL) we rendered for an inbound exchange."""
    stmt = select(Exchange).where(Exchange.related_exchange_id == exchange_id).order_by(Exchange.id)
    return list(session.scalars(stmt))


def deliveries_of(session: Session, document_ids: list[int]) -> list[ErpDelivery]:
    stmt = select(ErpDelivery).where(ErpDelivery.document_id.in_(document_ids)).order_by(ErpDelivery.id)
    return list(session.scalars(stmt))


def _subject(job: OutboxJob) -> str:
    return f"{job.subject_type} {job.subject_id}" if job.subject_type else "-"


def job_row(job: OutboxJob) -> JobRow:
    return JobRow(
        job.id, job.task, job.status.value, job.attempts, job.max_attempts, job.last_error, _subject(job),
        job.created_at,
    )  # fmt: skip


def jobs_of(session: Session, exchange_ids: list[int], document_ids: list[int]) -> list[JobRow]:
    """The outbox jobs that worked on these exchanges and documents, oldest first."""
    by_exchange = (OutboxJob.subject_type == "exchange") & OutboxJob.subject_id.in_(exchange_ids)
    by_document = (OutboxJob.subject_type == "document") & OutboxJob.subject_id.in_(document_ids)
    rows = session.scalars(select(OutboxJob).where(by_exchange | by_document).order_by(OutboxJob.id))
    return [job_row(job) for job in rows]


def list_jobs(session: Session, status: JobStatus | None, limit: int = MAX_LISTED) -> list[JobRow]:
    stmt = select(OutboxJob).order_by(OutboxJob.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(OutboxJob.status == status)
    return [job_row(job) for job in session.scalars(stmt)]


def _iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _record_at(session: Session, exchange_id: int, kinds: tuple[str, ...]) -> datetime | None:
    return session.scalar(
        select(ArchiveRecord.created_at)
        .where(
            ArchiveRecord.subject_type == "exchange",
            ArchiveRecord.subject_id == exchange_id,
            ArchiveRecord.kind.in_(kinds),
        )
        .order_by(ArchiveRecord.seq)
        .limit(1)
    )


def _timed(steps: list[Step]) -> list[Step]:
    """The same steps with the seconds elapsed since the first one."""
    start = steps[0].at
    return [
        Step(
            s.name,
            s.at,
            s.state,
            s.detail,
            (s.at - start).total_seconds() if s.at and start else None,
            s.link,
        )
        for s in steps
    ]


def _mdn_step(session: Session, exchange: Exchange, kind: str) -> Step:
    mdn = exchange.meta.get("mdn") or {}
    if exchange.transport != "as2":
        return Step("MDN", None, "skipped", f"no MDN over {exchange.transport}")
    status = exchange.meta.get("mdn_status")
    if not mdn:
        state = "failed" if status == "overdue" else ("skipped" if status == "none" else "waiting")
        return Step("MDN", None, state, status or "no MDN requested")
    at = _record_at(session, exchange.id, (kind,)) or _iso(mdn.get("received_at"))
    disposition = str(mdn.get("disposition", ""))
    state = "failed" if "error" in disposition or "failed" in disposition else "done"
    return Step("MDN", at, state, disposition)


def _translated_step(exchange: Exchange, documents: list[Document]) -> Step:
    if exchange.status is ExchangeStatus.RECEIVED:
        return Step("translated", None, "waiting", "queued for translation")
    state = "failed" if exchange.status is ExchangeStatus.REJECTED else "done"
    if exchange.status is ExchangeStatus.PARTIAL:
        state = "failed"
    kinds = ", ".join(f"{d.message_type} {d.number}" for d in documents) or "no new document"
    error = f" — {exchange.error.splitlines()[0]}" if exchange.error else ""
    return Step("translated", exchange.processed_at, state, f"{exchange.status.value}: {kinds}{error}")


def _ack_steps(acks: list[Exchange]) -> list[Step]:
    if not acks:
        return [Step("ack sent", None, "skipped", "no functional ack")]
    steps = []
    for ack in acks:
        kind = ack.meta.get("ack_kind", "ack")
        state = {"sent": "done", "failed": "failed"}.get(ack.status.value, "waiting")
        at = (ack.processed_at or _iso(ack.meta.get("sent_at"))) if state != "waiting" else None
        steps.append(Step(f"{kind} sent", at, state, f"{ack.status.value} over {ack.transport}",
                          link=f"/console/messages/{ack.id}"))  # fmt: skip
    return steps


def _erp_steps(documents: list[Document], deliveries: list[ErpDelivery]) -> list[Step]:
    steps = []
    for document in documents:
        mine = [d for d in deliveries if d.document_id == document.id]
        done = next((d for d in mine if d.outcome == "delivered"), None)
        failed = [d for d in mine if d.outcome != "delivered"]
        label = f"ERP delivered ({document.number})"
        if done is not None:
            steps.append(Step(label, done.finished_at, "done", f"{done.connector}, attempt {len(mine)}"))
        elif failed:
            steps.append(Step(label, failed[-1].finished_at, "failed", failed[-1].detail or "failed"))
        else:
            steps.append(Step(label, None, "waiting", "queued"))
    return steps


def timeline(session: Session, exchange: Exchange) -> list[Step]:
    """Received → MDN → translated → ack sent → ERP delivered (inbound), or created → sent → MDN →
    functional ack (outbound), with the time each stage happened."""
    if exchange.direction is Direction.INBOUND:
        documents = documents_of(session, exchange.id)
        steps = [
            Step("received", exchange.received_at, "done", f"{exchange.transport}, {exchange.size} bytes"),
            _mdn_step(session, exchange, "as2-mdn-out"),
            _translated_step(exchange, documents),
            *_ack_steps(acks_of(session, exchange.id)),
            *_erp_steps(documents, deliveries_of(session, [d.id for d in documents])),
        ]
        return _timed(steps)
    return _timed(_outbound_steps(session, exchange))


def _outbound_steps(session: Session, exchange: Exchange) -> list[Step]:
    meta = exchange.meta
    sent_state = {"sent": "done", "failed": "failed"}.get(exchange.status.value, "waiting")
    sent_at = _iso(meta.get("sent_at")) or _iso(meta.get("failed_at"))
    steps = [
        Step("created", exchange.received_at, "done", f"{meta.get('document_type') or exchange.filename}"),
        Step(
            "sent",
            sent_at,
            sent_state,
            exchange.error or f"{exchange.status.value} over {exchange.transport}",
        ),
        _mdn_step(session, exchange, "as2-mdn-in"),
    ]
    ack = meta.get("functional_ack")
    if ack:
        steps.append(Step("functional ack", _iso(ack.get("at")), "done", f"status {ack.get('status')}"))
    elif meta.get("ack_status") == "awaiting":
        steps.append(Step("functional ack", None, "waiting", "awaiting the partner's 997/CONTRL"))
    return steps


# --- archive -----------------------------------------------------------------------------------------


def records_by_sha(session: Session, sha256: str) -> ArchiveRecord | None:
    return session.scalar(
        select(ArchiveRecord)
        .where(ArchiveRecord.content_sha256 == sha256)
        .order_by(ArchiveRecord.seq)
        .limit(1)
    )


def as_text(data: bytes) -> str:
    """Bytes for display: UTF-8 (Latin-1 when that fails), cut at ``MAX_TEXT_BYTES``."""
    cut = data[:MAX_TEXT_BYTES]
    try:
        text = cut.decode("utf-8")
    except UnicodeDecodeError:
        text = cut.decode("latin-1")
    return text + ("\n… (cut)" if len(data) > MAX_TEXT_BYTES else "")


def is_text(data: bytes) -> bool:
    """Whether bytes read as text (EDI, MIME headers, JSON) rather than binary CMS."""
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 0x20 and b not in b"\r\n\t") + sample.count(0x7F)
    return controls <= len(sample) // 200


def artefact(session: Session, root: Path, record: ArchiveRecord, with_bytes: bool) -> ArtefactView:
    """A record for a page; with ``with_bytes`` its content as text, or a note when it is binary."""
    text = None
    if with_bytes:
        data = get_blob(session, root, record.content_sha256)
        text = as_text(data) if is_text(data) else None
    return ArtefactView(
        record.seq,
        record.kind,
        record.content_sha256,
        record.content_size,
        record.created_at,
        text,
        record.meta,
    )


def receipts(session: Session, limit: int, offset: int) -> list[tuple[Exchange, ArchiveRecord]]:
    """Exchanges with an archived MDN (ours for inbound, the partner's for outbound), newest MDN first."""
    rows = session.execute(
        select(Exchange, ArchiveRecord)
        .join(
            ArchiveRecord,
            (ArchiveRecord.subject_id == Exchange.id) & (ArchiveRecord.subject_type == "exchange"),
        )
        .where(ArchiveRecord.kind.in_(MDN_KINDS))
        .order_by(ArchiveRecord.seq.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [(exchange, record) for exchange, record in rows]


# --- actions -----------------------------------------------------------------------------------------


def replay_job(session: Session, job_id: int, by: Principal) -> OutboxJob:
    """The operator's replay of a dead job, audited like ``POST /v1/admin/jobs/{id}/replay``."""
    job = replay(session, job_id)
    audit(session, by, "job.replay", "outbox_job", job_id, after={"status": job.status.value})
    return job


def erp_job(session: Session, document_id: int) -> OutboxJob | None:
    return session.scalar(
        select(OutboxJob)
        .where(
            OutboxJob.task == ERP_TASK,
            OutboxJob.subject_type == "document",
            OutboxJob.subject_id == document_id,
        )
        .order_by(OutboxJob.id.desc())
        .limit(1)
    )


def redeliver(session: Session, document_id: int, by: Principal) -> OutboxJob:
    """Hand a document to the ERP again: its ERP delivery job, dead after its attempts, gets new ones."""
    if session.get(Document, document_id) is None:
        raise NotFoundError(f"document {document_id} does not exist")
    job = erp_job(session, document_id)
    if job is None or job.status is not JobStatus.DEAD:
        state = job.status.value if job else "not queued"
        raise ConflictError(
            f"the ERP delivery of document {document_id} is {state}: only a dead one is redelivered"
        )
    replay(session, job.id)
    audit(session, by, "erp.redeliver", "document", document_id, after={"job_id": job.id})
    return job


def resendable(exchange: Exchange) -> bool:
    """What ``outbound.service.resend`` accepts: a failed outbound exchange, or one whose MDN is overdue."""
    if exchange.direction is not Direction.OUTBOUND:
        return False
    overdue = exchange.meta.get("mdn_status") == "overdue"
    return exchange.status is ExchangeStatus.FAILED or (exchange.status is ExchangeStatus.SENT and overdue)
