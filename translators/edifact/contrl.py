"""CONTRL for any interchange we received, and reconciliation of a CONTRL a partner sent for ours.

``acknowledge`` turns what the envelope reader and the maps found (located errors per interchange, group
and message) into a canonical ``FunctionalAck``; ``render_contrl`` writes it as a CONTRL interchange back
to the sender; ``reconcile`` matches an inbound CONTRL against the references of what we sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from translators.canonical import (
    AckLevelStatus,
    ElementNote,
    Extension,
    FunctionalAck,
    GroupAck,
    MessageAck,
    SegmentNote,
)
from translators.edifact.headers import InterchangeHeader, MessageHeader
from translators.edifact.maps.contrl import SERVICE_TAGS, ack_to_contrl
from translators.edifact.messages import InterchangeSummary
from translators.edifact.render import InterchangeSpec, MessageSpec, render_interchange
from translators.edifact.syntax import DEFAULT_CHARS, ServiceChars
from translators.errors import TranslatorError

CONTRL_VERSIONS = {"4": ("4", "1"), "3": ("D", "3"), "2": ("2", "2"), "1": ("2", "2")}


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """One inbound message's envelope identity, its group reference and every error found in it."""

    header: MessageHeader
    group_ref: str | None
    errors: tuple[TranslatorError, ...] = ()


def _element_note(error: TranslatorError) -> ElementNote | None:
    loc = error.location
    if loc.element_index is None:
        return None
    return ElementNote(position=loc.element_index, component=loc.component_index, code=error.code or "18")


def _service_note(error: TranslatorError) -> SegmentNote:
    element = _element_note(error)
    return SegmentNote(
        tag=error.location.segment_tag or "UNT",
        position=0,
        code=error.code,
        elements=(element,) if element else (),
    )


def _segment_notes(errors: Sequence[TranslatorError]) -> list[SegmentNote]:
    """UCS/UCD notes grouped by segment position, in position order."""
    by_position: dict[int, SegmentNote] = {}
    for error in errors:
        position = error.location.segment_position or 0
        element = _element_note(error) if error.level == "element" else None
        note = by_position.get(position) or SegmentNote(tag="", position=position)
        if element is not None:
            note = note.model_copy(update={"elements": (*note.elements, element)})
        elif note.code is None:
            note = note.model_copy(update={"code": error.code})
        by_position[position] = note
    return [by_position[p] for p in sorted(by_position)]


def message_ack(outcome: MessageOutcome, interchange_rejected: bool = False) -> MessageAck:
    header = outcome.header
    envelope = [e for e in outcome.errors if e.level not in ("segment", "element")]
    detail = [e for e in outcome.errors if e.level in ("segment", "element")]
    notes = [_service_note(envelope[0])] if envelope else []
    if notes and notes[0].tag not in SERVICE_TAGS:
        notes = []
    return MessageAck(
        message_type=header.type,
        control_number=header.reference,
        implementation_ref=":".join(
            p for p in (header.version, header.release, header.agency, header.association) if p
        )
        or None,
        status=AckLevelStatus.REJECTED if outcome.errors or interchange_rejected else AckLevelStatus.ACCEPTED,
        error_codes=tuple(dict.fromkeys(e.code for e in envelope if e.code)),
        segments=(*notes, *_segment_notes(detail)),
    )


def acknowledge(summary: InterchangeSummary, outcomes: Sequence[MessageOutcome]) -> FunctionalAck:
    """The functional acknowledgement of one inbound interchange."""
    rejected = bool(summary.errors)
    first = summary.errors[0] if summary.errors else None
    extensions: tuple[Extension, ...] = ()
    if first is not None and (first.location.segment_tag or first.location.element_index):
        element = first.location.element_index
        component = first.location.component_index
        s011 = (str(element), *((str(component),) if component else ())) if element else ()
        extensions = (Extension(tag="UCI", elements=((first.location.segment_tag or "",), s011)),)
    return FunctionalAck(
        interchange_ref=summary.header.reference,
        interchange_status=AckLevelStatus.REJECTED if rejected else AckLevelStatus.ACCEPTED,
        interchange_error_codes=(first.code,) if first is not None and first.code else (),
        groups=_groups(summary, outcomes, rejected),
        extensions=extensions,
    )


def _groups(
    summary: InterchangeSummary, outcomes: Sequence[MessageOutcome], rejected: bool
) -> tuple[GroupAck, ...]:
    status = AckLevelStatus.REJECTED if rejected else AckLevelStatus.ACCEPTED
    if not summary.groups:
        messages = tuple(message_ack(o, rejected) for o in outcomes)
        return (GroupAck(status=status, messages=messages),) if messages else ()
    groups = []
    for group in summary.groups:
        ref = group.header.reference
        bad = rejected or bool(group.errors)
        groups.append(
            GroupAck(
                control_number=ref,
                status=AckLevelStatus.REJECTED if bad else AckLevelStatus.ACCEPTED,
                error_codes=tuple(e.code for e in group.errors[:1] if e.code),
                messages=tuple(message_ack(o, bad) for o in outcomes if o.group_ref == ref),
            )
        )
    return tuple(groups)


def render_contrl(
    ack: FunctionalAck,
    original: InterchangeHeader,
    *,
    reference: str,
    message_ref: str,
    now: dt.datetime,
    service_chars: ServiceChars = DEFAULT_CHARS,
    syntax_id: str | None = None,
) -> bytes:
    """A CONTRL interchange from the original's recipient back to its sender."""
    version = original.syntax_version if original.syntax_version in CONTRL_VERSIONS else "3"
    msg_version, msg_release = CONTRL_VERSIONS[version]
    spec = InterchangeSpec(
        sender=original.recipient,
        recipient=original.sender,
        reference=reference,
        now=now,
        syntax_id=syntax_id or original.syntax_id or "UNOC",
        syntax_version=version,
        service_chars=service_chars,
    )
    body = ack_to_contrl(ack, original.sender, original.recipient)
    return render_interchange(spec, [MessageSpec(message_ref, "CONTRL", msg_version, msg_release, body)])


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    RECEIVED = "received"
    NOT_ACKNOWLEDGED = "not_acknowledged"


@dataclass(frozen=True, slots=True)
class MessageReconciliation:
    reference: str
    message_type: str
    outcome: Outcome
    error_codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """How an inbound CONTRL answered one interchange we sent."""

    interchange_ref: str
    matches: bool
    interchange_outcome: Outcome
    messages: tuple[MessageReconciliation, ...]
    unknown_refs: tuple[str, ...] = ()


def _level_outcome(status: AckLevelStatus | None) -> Outcome:
    return {
        AckLevelStatus.ACCEPTED: Outcome.ACCEPTED,
        AckLevelStatus.ACCEPTED_WITH_ERRORS: Outcome.ACCEPTED,
        AckLevelStatus.REJECTED: Outcome.REJECTED,
        AckLevelStatus.RECEIVED: Outcome.RECEIVED,
    }.get(status or AckLevelStatus.OTHER, Outcome.NOT_ACKNOWLEDGED)


def reconcile(ack: FunctionalAck, interchange_ref: str, sent: Sequence[tuple[str, str]]) -> Reconciliation:
    """Match a CONTRL against the (reference, type) of each message of interchange ``interchange_ref``.

    UCI action 7 accepts every message not explicitly rejected; action 4 rejects them all; action 8 only
    says the interchange arrived.
    """
    acked = {m.control_number: m for g in ack.groups for m in g.messages}
    overall = _level_outcome(ack.interchange_status)
    results = []
    for ref, message_type in sent:
        answer = acked.get(ref)
        if overall is Outcome.REJECTED:
            outcome = Outcome.REJECTED
        elif answer is not None:
            outcome = _level_outcome(answer.status)
        else:
            outcome = Outcome.ACCEPTED if overall is Outcome.ACCEPTED else overall
        codes = answer.error_codes if answer is not None else ()
        results.append(MessageReconciliation(ref, message_type, outcome, codes))
    sent_refs = {ref for ref, _ in sent}
    return Reconciliation(
        interchange_ref=interchange_ref,
        matches=ack.interchange_ref == interchange_ref,
        interchange_outcome=overall,
        messages=tuple(results),
        unknown_refs=tuple(r for r in acked if r not in sent_refs),
    )
