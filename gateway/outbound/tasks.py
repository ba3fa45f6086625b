"""``outbound.send_exchange``: send one READY outbound exchange over the partner's outbound transport;
``outbound.check_mdn``: mark an asynchronous MDN overdue when it has not come by its due time.

The send is an IoHandler: ``load`` reads (and on the first AS2 attempt builds and archives the message in
its own transaction), ``perform`` talks to the partner with no transaction open, ``record`` settles the
exchange and completes the job together; a failed attempt is noted on the exchange, and the exchange
fails when retrying cannot help or the attempts are used up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.as2 import receipts, sender
from gateway.as2.http_client import Reply
from gateway.config import Settings, get_settings
from gateway.db import get_database
from gateway.errors import PermanentJobError
from gateway.models import OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Exchange, ExchangeStatus, MdnStatus
from gateway.models.partner import Partner
from gateway.onboarding.service import profile_of
from gateway.outbound import service
from gateway.outbound.repository import SendSetupError
from gateway.outbox import IoHandler
from gateway.partner_api.tasks import queue_notify
from gateway.sftp.errors import HostKeyMismatchError, UnsafeFileNameError
from gateway.sftp.transfer import push
from gateway.worker import job_task
from partners.transports import TransportKind

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000


@dataclass(frozen=True)
class _As2Job:
    attempt: sender.Attempt


@dataclass(frozen=True)
class _SftpJob:
    exchange_id: int
    partner: Partner
    filename: str
    content: bytes


@dataclass(frozen=True)
class _RestJob:
    exchange_id: int


@dataclass(frozen=True)
class _As2Sent:
    exchange_id: int
    reply: Reply
    check: receipts.MdnCheck | None


@dataclass(frozen=True)
class _SftpSent:
    exchange_id: int
    where: str


_Work = _As2Job | _SftpJob | _RestJob
_Outcome = _As2Sent | _SftpSent | _RestJob


def transport_of(exchange: Exchange, partner: Partner) -> str:
    """The partner's outbound transport; a message already built for AS2 stays on AS2 (byte-identical)."""
    if sender.wire_meta(exchange) is not None:
        return TransportKind.AS2.value
    outbound = profile_of(partner).transports.outbound
    return outbound.value if outbound is not None else TransportKind.REST.value


def _as2_attempt(
    session: Session, settings: Settings, exchange: Exchange, partner: Partner
) -> _As2Job | None:
    """The attempt for an exchange; the first one builds the message (no write lock held while signing
    and encrypting) and archives it, unless another attempt archived one meanwhile."""
    now = utcnow()
    built = (
        sender.build(session, settings, exchange, partner, now) if not sender.wire_meta(exchange) else None
    )
    with get_database(settings).transaction() as tx:
        current = tx.get(Exchange, exchange.id, with_for_update=True)
        assert current is not None
        if current.status is not ExchangeStatus.READY:
            return None
        if built is not None and sender.wire_meta(current) is None:
            sender.store(tx, settings, current, built)
        return _As2Job(sender.attempt(tx, settings, current, partner, now))


def load(session: Session, job: OutboxJob) -> _Work | None:
    settings = get_settings()
    exchange = session.get(Exchange, job.subject_id) if job.subject_id is not None else None
    if exchange is None or exchange.direction is not Direction.OUTBOUND:
        raise PermanentJobError(f"job {job.id} names no outbound exchange")
    if exchange.status is not ExchangeStatus.READY:
        return None
    partner = session.get(Partner, exchange.partner_id)
    assert partner is not None
    if not partner.enabled:
        raise SendSetupError(f"partner {partner.code} is disabled; enable it and resend")
    kind = transport_of(exchange, partner)
    if kind == TransportKind.AS2:
        return _as2_attempt(session, settings, exchange, partner)
    if kind == TransportKind.SFTP:
        content = get_blob(session, settings.resolved_archive_dir, exchange.content_sha256)
        return _SftpJob(exchange.id, partner, exchange.filename or f"exchange-{exchange.id}.edi", content)
    return _RestJob(exchange.id)


def _check_reply(attempt: sender.Attempt, reply: Reply) -> receipts.MdnCheck | None:
    wire = attempt.wire
    if wire.mdn_mode != "sync":
        return None
    if reply.truncated:
        return receipts.MdnCheck(None, "the MDN reply exceeds the size limit")
    expected = receipts.Expected(wire.message_id, wire.mic, wire.mic_algorithm, wire.mdn_signed)
    return receipts.check_mdn(reply.headers, reply.body, expected, attempt.partner_certs, utcnow())


def perform(work: _Work) -> _Outcome:
    if isinstance(work, _As2Job):
        reply = sender.send(work.attempt)
        return _As2Sent(work.attempt.exchange_id, reply, _check_reply(work.attempt, reply))
    if isinstance(work, _SftpJob):
        return _SftpSent(work.exchange_id, _push(work))
    return work


def _push(work: _SftpJob) -> str:
    try:
        return push(get_settings(), work.partner, work.filename, work.content)
    except (HostKeyMismatchError, UnsafeFileNameError) as exc:
        raise PermanentJobError(exc.message) from exc


def _record_as2(session: Session, exchange: Exchange, outcome: _As2Sent, now: datetime) -> None:
    settings = get_settings()
    exchange.meta = exchange.meta | {"http_status": outcome.reply.status}
    if outcome.check is not None:
        service.record_mdn(session, settings, exchange, outcome.reply.headers, outcome.reply.body,
                           outcome.check, now)  # fmt: skip
    elif exchange.meta[sender.META_KEY]["mdn_mode"] == "async":
        service.await_mdn(session, settings, exchange, now)
    else:
        service.mark_sent(exchange, now, MdnStatus.NONE)


def record(session: Session, job: OutboxJob, outcome: _Outcome | None) -> None:
    if outcome is None:
        return
    exchange = session.get(Exchange, outcome.exchange_id, with_for_update=True)
    if exchange is None or exchange.status is not ExchangeStatus.READY:
        return
    now = utcnow()
    attempts = int(exchange.meta.get("send_attempts", 0)) + 1
    exchange.meta = exchange.meta | {"send_attempts": attempts}
    if isinstance(outcome, _As2Sent):
        _record_as2(session, exchange, outcome, now)
    elif isinstance(outcome, _SftpSent):
        exchange.transport = TransportKind.SFTP.value
        service.mark_sent(exchange, now, MdnStatus.NONE, delivered_to=outcome.where)
    else:
        exchange.transport = TransportKind.REST.value
        exchange.meta = exchange.meta | {"available_since": now.isoformat(timespec="seconds")}
        queue_notify(session, get_settings(), exchange)
    log.info("outbound exchange settled", extra={"exchange_id": exchange.id, "status": exchange.status.value})


def on_failure(session: Session, job: OutboxJob, error: BaseException) -> None:
    exchange = session.get(Exchange, job.subject_id, with_for_update=True) if job.subject_id else None
    if exchange is None or exchange.status is not ExchangeStatus.READY:
        return
    text = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
    attempts = int(exchange.meta.get("send_attempts", 0)) + 1
    exchange.meta = exchange.meta | {"send_attempts": attempts, "last_error": text}
    if isinstance(error, PermanentJobError) or job.attempts >= job.max_attempts:
        service.mark_failed(exchange, utcnow(), text)


send_exchange = job_task(service.SEND_TASK)(
    IoHandler(load=load, perform=perform, record=record, on_failure=on_failure)
)


@job_task(service.CHECK_MDN_TASK)
def check_mdn(session: Session, job: OutboxJob) -> None:
    """Mark the exchange's asynchronous MDN overdue if it has not arrived."""
    assert job.subject_id is not None
    service.check_mdn_due(session, job.subject_id, utcnow())


@job_task(service.SWEEP_OVERDUE_TASK)
def sweep_overdue_mdns(session: Session, job: OutboxJob) -> None:
    """Mark every awaited MDN past its due time overdue (periodic; backs up the per-exchange checks)."""
    now = utcnow()
    marked = [e.id for e in service.overdue_mdns(session, now) if service.check_mdn_due(session, e.id, now)]
    job.args = job.args | {"marked_overdue": marked}
