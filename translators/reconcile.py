"""Reconciliation of an inbound functional acknowledgement (997/999/CONTRL as a canonical FunctionalAck)
with the messages we sent, as data the gateway stores: per sent message accepted, rejected (with codes)
or not acknowledged, plus acknowledgements that match nothing we sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from translators.canonical import AckLevelStatus, FunctionalAck, GroupAck, MessageAck


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"
    NOT_ACKNOWLEDGED = "not_acknowledged"


@dataclass(frozen=True, slots=True)
class SentMessage:
    """What we sent: enough to find its answer (group control number may be None for EDIFACT w/o UNG)."""

    message_type: str
    control_ref: str
    group_ref: str | None = None
    functional_id: str | None = None


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    sent: SentMessage
    outcome: Outcome
    error_codes: tuple[str, ...] = ()
    segment_errors: int = 0


@dataclass(frozen=True, slots=True)
class Reconciliation:
    outcomes: tuple[MessageOutcome, ...]
    unmatched: tuple[MessageAck, ...]

    @property
    def all_accepted(self) -> bool:
        return all(o.outcome is Outcome.ACCEPTED for o in self.outcomes)


STATUS_OUTCOME = {
    AckLevelStatus.ACCEPTED: Outcome.ACCEPTED,
    AckLevelStatus.ACCEPTED_WITH_ERRORS: Outcome.ACCEPTED_WITH_ERRORS,
    AckLevelStatus.RECEIVED: Outcome.ACCEPTED,
}


def _message_outcome(sent: SentMessage, ack: MessageAck) -> MessageOutcome:
    outcome = STATUS_OUTCOME.get(ack.status, Outcome.REJECTED)
    return MessageOutcome(sent, outcome, ack.error_codes, len(ack.segments))


def _group_outcome(sent: SentMessage, group: GroupAck) -> MessageOutcome:
    """A group answered without a line for this message: the group's status says it all (997 AK2 is
    optional for accepted groups; a rejected group rejects every set in it)."""
    if group.status is AckLevelStatus.ACCEPTED:
        return MessageOutcome(sent, Outcome.ACCEPTED)
    if group.status is AckLevelStatus.REJECTED:
        return MessageOutcome(sent, Outcome.REJECTED, group.error_codes)
    return MessageOutcome(sent, Outcome.NOT_ACKNOWLEDGED)


def _group_matches(group: GroupAck, sent: SentMessage) -> bool:
    if sent.group_ref is not None and group.control_number is not None:
        return group.control_number.lstrip("0") == sent.group_ref.lstrip("0")
    return sent.functional_id is None or group.functional_id in (None, sent.functional_id)


def reconcile(ack: FunctionalAck, sent: list[SentMessage]) -> Reconciliation:
    """Match ``ack`` against ``sent``; control numbers compare without leading zeros."""
    outcomes, used = [], set[int]()
    for message in sent:
        outcome = MessageOutcome(message, Outcome.NOT_ACKNOWLEDGED)
        for group in (g for g in ack.groups if _group_matches(g, message)):
            found = [m for m in group.messages if _same(m, message)]
            if found:
                used.add(id(found[0]))
                outcome = _message_outcome(message, found[0])
            elif not group.messages:
                outcome = _group_outcome(message, group)
        outcomes.append(outcome)
    unmatched = tuple(m for g in ack.groups for m in g.messages if id(m) not in used)
    return Reconciliation(tuple(outcomes), unmatched)


def _same(ack: MessageAck, sent: SentMessage) -> bool:
    return ack.message_type == sent.message_type and ack.control_number.lstrip(
        "0"
    ) == sent.control_ref.lstrip("0")
