"""``inbound.process_exchange``: translate a received exchange, refuse spoofed envelopes, drop resent
interchanges within the partner's window, store each new canonical document once, render the
functional acknowledgement with the partner's counters, and queue ERP delivery (DESIGN.md §3, T2)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.archive.chain import append
from gateway.config import Settings
from gateway.documents import counters, reconciliation
from gateway.documents.keys import document_key
from gateway.inbound.collector import collector_paused
from gateway.models.base import utcnow
from gateway.models.exchange import Direction, Document, Exchange, ExchangeStatus, SeenControlRef
from gateway.models.partner import Partner
from gateway.onboarding.service import find_by_isa, find_by_unb, profile_of
from gateway.outbound.service import queue_send
from gateway.outbox import enqueue
from partners.formats import AckPolicy, DocumentFormat
from partners.formats import Direction as FormatDirection
from partners.profile import PartnerProfile
from translators.api import detect_syntax, translate_inbound
from translators.errors import TranslatorError
from translators.options import AckKind, InboundOptions
from translators.result import InterchangeResult, MessageResult, OutboundAck, TranslationResult

log = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 30
ACK_KINDS: dict[AckPolicy, AckKind] = {
    AckPolicy.X12_997: "997",
    AckPolicy.X12_999: "999",
    AckPolicy.CONTRL: "auto",
    AckPolicy.NONE: "none",
}


@dataclass
class Outcome:
    stored: list[int] = field(default_factory=list)
    duplicate_documents: int = 0
    duplicate_interchanges: list[str] = field(default_factory=list)
    rejected_messages: int = 0
    errors: list[str] = field(default_factory=list)


def _inbound_formats(profile: PartnerProfile, syntax: str) -> list[DocumentFormat]:
    return [f for f in profile.formats if f.direction is FormatDirection.INBOUND and f.syntax.value == syntax]


def _ack_kind(formats: list[DocumentFormat]) -> AckKind:
    policies = {f.ack_policy for f in formats}
    if not policies:
        return "auto"
    if policies == {AckPolicy.NONE}:
        return "none"
    wanted = sorted(policies - {AckPolicy.NONE}, key=lambda p: p.value)
    return ACK_KINDS[wanted[-1]]


def _window(formats: list[DocumentFormat]) -> timedelta:
    days = max((f.duplicate_window_days for f in formats), default=DEFAULT_WINDOW_DAYS)
    return timedelta(days=days)


def _sender_is_partner(session: Session, partner: Partner, interchange: InterchangeResult) -> bool:
    if interchange.syntax == "x12":
        gs = interchange.groups[0].sender if interchange.groups else None
        found = find_by_isa(session, interchange.sender_qualifier or "", interchange.sender_id, gs)
    else:
        found = find_by_unb(session, interchange.sender_id, interchange.sender_qualifier)
    return found is not None and found.id == partner.id


def _seen_query(exchange: Exchange, syntax: str, ref: str) -> Select[SeenControlRef]:
    return (
        select(SeenControlRef)
        .where(
            SeenControlRef.partner_id == exchange.partner_id,
            SeenControlRef.syntax == syntax,
            SeenControlRef.level == "interchange",
            SeenControlRef.ref == ref,
        )
        .with_for_update()
    )


def _seen_recently(
    session: Session, exchange: Exchange, interchange: InterchangeResult, window: timedelta
) -> bool:
    """Record the interchange control number; True if the partner sent it already within ``window``.

    Two copies processed at once race on the unique row: the loser sees the winner's row and is the
    duplicate.
    """
    ref = f"{interchange.sender_id.strip()}:{interchange.control_ref}"
    now = utcnow()
    seen = session.scalar(_seen_query(exchange, interchange.syntax, ref))
    if seen is None:
        row = SeenControlRef(
            partner_id=exchange.partner_id,
            syntax=interchange.syntax,
            level="interchange",
            ref=ref,
            exchange_id=exchange.id,
            seen_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
            return False
        except IntegrityError:
            seen = session.scalar(_seen_query(exchange, interchange.syntax, ref))
            assert seen is not None
    if seen.exchange_id != exchange.id and now - seen.seen_at <= window:
        return True
    seen.exchange_id, seen.seen_at = exchange.id, now
    return False


def _store(
    session: Session,
    settings: Settings,
    exchange: Exchange,
    interchange: InterchangeResult,
    group_ref: str | None,
    message: MessageResult,
    outcome: Outcome,
) -> None:
    assert message.document is not None
    key = document_key(message.document)
    document = Document(
        exchange_id=exchange.id,
        partner_id=exchange.partner_id,
        direction=Direction.INBOUND,
        kind=key.kind,
        number=key.number[:80],
        business_key=key.business_key[:300],
        document_date=key.document_date,
        message_type=message.message_type,
        interchange_ref=interchange.control_ref,
        group_ref=group_ref,
        message_ref=message.control_ref,
        canonical=message.document.model_dump(mode="json"),
    )
    try:
        with session.begin_nested():
            session.add(document)
    except IntegrityError:
        outcome.duplicate_documents += 1
        return
    outcome.stored.append(document.id)
    reconciliation.after_store(session, settings, document)
    if key.kind != "functional_ack":
        enqueue(
            session,
            settings,
            "erp.sync_document",
            subject_type="document",
            subject_id=document.id,
            dedup_key=f"erp.sync_document:{document.id}",
        )


def _messages(
    session: Session,
    settings: Settings,
    exchange: Exchange,
    partner: Partner,
    result: TranslationResult,
    window: timedelta,
    outcome: Outcome,
) -> None:
    for interchange in result.interchanges:
        if not _sender_is_partner(session, partner, interchange):
            outcome.errors.append(
                f"interchange {interchange.control_ref}: sender {interchange.sender_qualifier or ''}:"
                f"{interchange.sender_id.strip()} is not an identity of partner {partner.code}"
            )
            continue
        if _seen_recently(session, exchange, interchange, window):
            outcome.duplicate_interchanges.append(interchange.control_ref)
            continue
        for group in interchange.groups:
            for message in group.messages:
                if message.accepted:
                    _store(session, settings, exchange, interchange, group.control_ref, message, outcome)
                else:
                    outcome.rejected_messages += 1


def _send_ack(
    session: Session, settings: Settings, exchange: Exchange, ack: OutboundAck, profile: PartnerProfile
) -> Exchange:
    """Keep the rendered acknowledgement as an outbound exchange, archived, and queue its send."""
    outbound = Exchange(
        partner_id=exchange.partner_id,
        direction=Direction.OUTBOUND,
        transport=profile.transports.outbound.value if profile.transports.outbound else "rest",
        message_id=f"ack:{exchange.id}:{ack.interchange_ref}:{ack.kind}",
        status=ExchangeStatus.READY,
        filename=f"{ack.kind}-{exchange.id}-{ack.interchange_ref}.edi",
        content_type="application/edi-x12" if ack.kind in ("997", "999", "TA1") else "application/edifact",
        content_sha256=hashlib.sha256(ack.data).hexdigest(),
        size=len(ack.data),
        syntax=exchange.syntax,
        meta={"ack_kind": ack.kind, "acknowledges_interchange": ack.interchange_ref},
        duplicate_count=0,
        related_exchange_id=exchange.id,
    )
    session.add(outbound)
    session.flush()
    append(
        session,
        settings.resolved_archive_dir,
        "ack-outbound",
        ack.data,
        meta=outbound.meta,
        subject_type="exchange",
        subject_id=outbound.id,
    )
    queue_send(session, settings, outbound)
    return outbound


def _reserve_ack_numbers(session: Session, partner_id: int, syntax: str) -> tuple[int, int]:
    return counters.peek(session, partner_id, syntax, "interchange"), counters.peek(
        session, partner_id, syntax, "group"
    )


def _commit_ack_numbers(
    session: Session, partner_id: int, syntax: str, acks: tuple[OutboundAck, ...]
) -> None:
    for _ack in acks:
        counters.take(session, partner_id, syntax, "interchange")
        counters.take(session, partner_id, syntax, "group")


def _status(outcome: Outcome, result: TranslationResult) -> ExchangeStatus:
    usable = bool(outcome.stored or outcome.duplicate_documents or outcome.duplicate_interchanges)
    problems = bool(outcome.errors or outcome.rejected_messages or result.all_errors())
    if not problems:
        return ExchangeStatus.PROCESSED
    return ExchangeStatus.PARTIAL if usable else ExchangeStatus.REJECTED


def process_exchange(session: Session, settings: Settings, exchange_id: int) -> Outcome:
    exchange = session.get(Exchange, exchange_id, with_for_update=True)
    outcome = Outcome()
    if exchange is None or exchange.status is not ExchangeStatus.RECEIVED:
        return outcome
    partner = session.get(Partner, exchange.partner_id)
    assert partner is not None
    profile = profile_of(partner)
    content = get_blob(session, settings.resolved_archive_dir, exchange.content_sha256)
    try:
        syntax = detect_syntax(content)
        formats = _inbound_formats(profile, syntax)
        first_isa, first_gs = _reserve_ack_numbers(session, partner.id, syntax)
        options = InboundOptions(
            now=utcnow(),
            ack_interchange_control_number=first_isa,
            ack_group_control_number=first_gs,
            ack_kind=_ack_kind(formats),
        )
        with collector_paused():
            result = translate_inbound(content, options)
    except TranslatorError as exc:
        exchange.status, exchange.error, exchange.processed_at = ExchangeStatus.REJECTED, str(exc), utcnow()
        log.warning("exchange rejected", extra={"exchange_id": exchange.id, "error": str(exc)})
        return outcome
    exchange.syntax = syntax
    _messages(session, settings, exchange, partner, result, _window(formats), outcome)
    acks = result.acks
    _commit_ack_numbers(session, partner.id, syntax, acks)
    for ack in acks:
        _send_ack(session, settings, exchange, ack, profile)
    exchange.status = _status(outcome, result)
    located = [str(e) for e in result.all_errors()]
    exchange.error = "\n".join(outcome.errors + located)[:20000] or None
    exchange.meta = exchange.meta | {
        "documents": outcome.stored,
        "duplicate_documents": outcome.duplicate_documents,
        "duplicate_interchanges": outcome.duplicate_interchanges,
        "rejected_messages": outcome.rejected_messages,
    }
    exchange.processed_at = utcnow()
    return outcome
