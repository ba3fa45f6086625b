"""Acknowledgements we send for inbound X12: a 997 (004010) or 999 (005010) per functional group, built
as a canonical FunctionalAck from the located errors and then rendered, and a TA1 for envelope errors."""

from __future__ import annotations

from collections.abc import Iterable

from translators.canonical import (
    AckLevelStatus,
    ElementNote,
    FunctionalAck,
    GroupAck,
    MessageAck,
    SegmentNote,
)
from translators.errors import ElementError, EnvelopeError, GroupError, SegmentError, TranslatorError
from translators.options import AckKind, InboundOptions, Separators
from translators.result import GroupResult, InterchangeResult, MessageResult, OutboundAck
from translators.x12 import codes
from translators.x12.lexer import Delimiters
from translators.x12.maps.fa_997 import write_group_ack
from translators.x12.render import EnvelopeOptions, wrap_sets, wrap_ta1

ACK_FUNCTIONAL_ID = "FA"
MAX_SET_CODES = 5
VERSION_997 = "004010"
VERSION_999 = "005010X231"


def _segment_notes(errors: Iterable[TranslatorError]) -> tuple[SegmentNote, ...]:
    notes: dict[tuple[int, str], tuple[str, list[ElementNote]]] = {}
    for error in errors:
        loc = error.location
        if loc.segment_position is None or not isinstance(error, SegmentError | ElementError):
            continue
        key = (loc.segment_position, loc.segment_tag or "")
        code, elements = notes.get(key, (codes.SEGMENT_HAS_ELEMENT_ERRORS, []))
        if isinstance(error, SegmentError):
            code = error.code or code
        elif loc.element_index is not None:
            elements.append(
                ElementNote(position=loc.element_index, component=loc.component_index, code=error.code or "1")
            )
        notes[key] = (code, elements)
    return tuple(
        SegmentNote(tag=tag[:3], position=position, code=code, elements=tuple(elements))
        for (position, tag), (code, elements) in sorted(notes.items())
    )


def message_ack(message: MessageResult) -> MessageAck:
    set_codes = [e.code for e in message.errors if not isinstance(e, SegmentError | ElementError) and e.code]
    notes = _segment_notes(message.errors)
    if not message.supported:
        set_codes.insert(0, codes.SET_NOT_SUPPORTED)
    if notes:
        set_codes.append(codes.SET_SEGMENTS_IN_ERROR)
    accepted = message.accepted
    return MessageAck(
        message_type=message.message_type,
        control_number=message.control_ref,
        implementation_ref=message.implementation_ref,
        status=AckLevelStatus.ACCEPTED if accepted else AckLevelStatus.REJECTED,
        error_codes=tuple(dict.fromkeys(set_codes))[:MAX_SET_CODES],
        segments=notes,
    )


def group_ack(group: GroupResult) -> GroupAck:
    messages = tuple(message_ack(m) for m in group.messages)
    accepted = sum(1 for m in messages if m.status is AckLevelStatus.ACCEPTED)
    group_codes = tuple(dict.fromkeys(e.code for e in group.errors if isinstance(e, GroupError) and e.code))
    if group_codes or accepted == 0:
        status = AckLevelStatus.REJECTED
    elif accepted < len(messages):
        status = AckLevelStatus.PARTIALLY_ACCEPTED
    else:
        status = AckLevelStatus.ACCEPTED
    return GroupAck(
        functional_id=group.functional_id,
        control_number=group.control_ref,
        version=group.version,
        status=status,
        sets_included=len(messages),
        sets_received=len(messages),
        sets_accepted=accepted if not group_codes else 0,
        error_codes=group_codes[:MAX_SET_CODES],
        messages=messages,
    )


def functional_ack_for(interchange: InterchangeResult) -> FunctionalAck:
    """The acknowledgement of every group of ``interchange`` except acknowledgement groups themselves."""
    groups = tuple(group_ack(g) for g in interchange.groups if g.functional_id != ACK_FUNCTIONAL_ID)
    return FunctionalAck(interchange_ref=interchange.control_ref, groups=groups)


def ack_kind(interchange: InterchangeResult, wanted: AckKind) -> str:
    if wanted in ("997", "999", "none"):
        return wanted
    versions = [g.version or "" for g in interchange.groups]
    return "999" if versions and versions[0].startswith("005") else "997"


def ta1_segment(interchange: InterchangeResult) -> list[str]:
    envelope = [e for e in interchange.errors if isinstance(e, EnvelopeError)]
    note = next((e.code for e in envelope if e.code), codes.TA1_NO_ERROR)
    status = codes.TA1_REJECTED if envelope else codes.TA1_ACCEPTED
    return ["TA1", interchange.control_ref, interchange.date, interchange.time, status, note]


def to_delimiters(separators: Separators | None, version: str) -> Delimiters:
    s = separators or Separators()
    repetition = s.repetition if version >= "00402" else None
    return Delimiters(s.element, s.component, repetition, s.segment, s.suffix)


def _envelope(interchange: InterchangeResult, options: InboundOptions, version: str) -> EnvelopeOptions:
    return EnvelopeOptions(
        sender_id=interchange.receiver_id,
        receiver_id=interchange.sender_id,
        sender_qualifier=interchange.receiver_qualifier or "ZZ",
        receiver_qualifier=interchange.sender_qualifier or "ZZ",
        interchange_control_number=options.ack_interchange_control_number,
        group_control_number=options.ack_group_control_number,
        now=options.now,
        version=version,
        usage="T" if interchange.test else "P",
        delimiters=to_delimiters(options.separators, version[:5]),
        implementation_ref=VERSION_999 if version == VERSION_999 else None,
    )


def acks_for(interchange: InterchangeResult, options: InboundOptions) -> list[OutboundAck]:
    """The TA1 and 997/999 interchanges to send back for ``interchange`` under ``options``."""
    out: list[OutboundAck] = []
    envelope_errors = any(isinstance(e, EnvelopeError) for e in interchange.errors)
    policy = options.ta1
    if (
        policy == "always"
        or (policy == "on_error" and envelope_errors)
        or (policy == "requested" and interchange.ack_requested)
    ):
        data = wrap_ta1(ta1_segment(interchange), _envelope(interchange, options, interchange.version + "0"))
        out.append(OutboundAck(interchange.control_ref, "TA1", data))
    kind = ack_kind(interchange, options.ack_kind)
    fa = functional_ack_for(interchange)
    if kind != "none" and fa.groups:
        version = VERSION_999 if kind == "999" else VERSION_997
        bodies = [(kind, write_group_ack(g, kind)) for g in fa.groups]
        numbered = options.for_ack(len(out))
        out.append(
            OutboundAck(
                interchange.control_ref,
                kind,
                wrap_sets(bodies, _envelope(interchange, numbered, version)),
                fa,
            )
        )
    return out
