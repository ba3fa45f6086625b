"""Inbound X12: one pass over the bytes from envelope events to canonical documents. Each set's body
streams through the validator into its map, so only documents (never raw segments) are kept."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import ValidationError

from translators.canonical import CanonicalDocument, FunctionalAck
from translators.errors import MessageError, TranslatorError
from translators.options import InboundOptions, Limits, Readable
from translators.result import GroupResult, InterchangeResult, MessageResult, OutboundAck, TranslationResult
from translators.x12 import codes
from translators.x12.ack import acks_for
from translators.x12.envelope import (
    GroupEnd,
    GroupHeader,
    GroupStart,
    InterchangeAck,
    InterchangeEnd,
    InterchangeHeader,
    InterchangeStart,
    SetBody,
    SetEnd,
    iter_events,
)
from translators.x12.maps.ack_855 import read_855
from translators.x12.maps.asn_856 import read_856
from translators.x12.maps.context import Reader
from translators.x12.maps.fa_997 import read_997, read_ta1
from translators.x12.maps.po_850 import read_850
from translators.x12.validate import SetValidator

SetReader = Callable[[Reader, Iterable[list[str]]], CanonicalDocument | None]
READERS: dict[str, SetReader] = {
    "850": read_850,
    "855": read_855,
    "856": read_856,
    "997": read_997,
    "999": read_997,
}


@dataclass(slots=True)
class _Group:
    header: GroupHeader
    errors: list[TranslatorError]
    messages: list[MessageResult] = field(default_factory=list)


@dataclass(slots=True)
class _Interchange:
    header: InterchangeHeader
    errors: list[TranslatorError]
    groups: list[GroupResult] = field(default_factory=list)
    acks: list[FunctionalAck] = field(default_factory=list)
    group: _Group | None = None
    pending: tuple[CanonicalDocument | None, list[TranslatorError], bool] | None = None

    def result(self) -> InterchangeResult:
        h = self.header
        return InterchangeResult(
            syntax="x12",
            sender_qualifier=h.sender_qualifier,
            sender_id=h.sender_id,
            receiver_qualifier=h.receiver_qualifier,
            receiver_id=h.receiver_id,
            control_ref=h.control_number,
            version=h.version,
            date=h.date,
            time=h.time,
            test=h.usage != "P",
            ack_requested=h.ack_requested == "1",
            groups=tuple(self.groups),
            errors=tuple(self.errors),
            received_acks=tuple(self.acks),
        )


def translate_set(
    body: SetBody, reader: Reader
) -> tuple[CanonicalDocument | None, list[TranslatorError], bool]:
    """The document of one set (or None), its located errors and whether its type is supported."""
    read = READERS.get(body.header.set_id)
    if read is None:
        return None, [], False
    validator = SetValidator(body.header)
    try:
        document = read(reader, validator.wrap_runs(body.runs))
    except (ValidationError, ValueError, ArithmeticError, LookupError) as exc:
        location = body.header.location(reader.position)
        message = f"content does not fit the canonical model: {exc}"
        reader.errors.append(MessageError(message, location, codes.SET_SEGMENTS_IN_ERROR))
        document = None
        for _ in body.segments:
            pass
    errors = validator.finish()
    flagged = {(e.location.segment_position, e.location.element_index) for e in errors}
    errors += [
        e for e in reader.errors if (e.location.segment_position, e.location.element_index) not in flagged
    ]
    if document is None and not errors:
        location = body.header.location()
        errors.append(MessageError("set holds no document", location, codes.SET_SEGMENTS_IN_ERROR))
    return document, errors, True


def iter_interchanges(source: bytes | Readable, limits: Limits) -> Iterator[InterchangeResult]:
    """Every interchange of ``source`` as it completes. A fatal envelope error ends the iteration with an
    interchange result carrying it (or raises it when no ISA could be read at all)."""
    current: _Interchange | None = None
    try:
        for event in iter_events(source, limits):
            current = _on_event(current, event)
            if isinstance(event, InterchangeEnd) and current is not None:
                yield current.result()
                current = None
    except TranslatorError as exc:
        if current is None:
            raise
        _close_open(current)
        current.errors.append(exc)
        yield current.result()


def _close_open(current: _Interchange) -> None:
    group = current.group
    if group is not None:
        current.groups.append(_group_result(group))
        current.group = None


def _group_result(group: _Group) -> GroupResult:
    h = group.header
    return GroupResult(
        functional_id=h.functional_id,
        control_ref=h.control_number,
        version=h.version,
        sender=h.sender,
        receiver=h.receiver,
        messages=tuple(group.messages),
        errors=tuple(group.errors),
    )


def _on_event(current: _Interchange | None, event: object) -> _Interchange | None:
    if isinstance(event, InterchangeStart):
        return _Interchange(event.header, list(event.errors))
    if current is None:
        return None
    if isinstance(event, GroupStart):
        current.group = _Group(event.header, list(event.errors))
    elif isinstance(event, SetBody):
        current.pending = translate_set(event, Reader(event.header, current.header.delimiters))
    elif isinstance(event, SetEnd) and current.group is not None and current.pending is not None:
        document, errors, supported = current.pending
        h = event.header
        message = MessageResult(
            h.set_id, h.control_number, h.implementation_ref, document, (*event.errors, *errors), supported
        )
        current.group.messages.append(message)
        current.pending = None
    elif isinstance(event, GroupEnd) and current.group is not None:
        current.group.errors += event.errors
        _close_open(current)
    elif isinstance(event, InterchangeAck):
        current.acks.append(read_ta1(event.elements))
    elif isinstance(event, InterchangeEnd):
        current.errors += event.errors
    return current


def translate_x12(source: bytes | Readable, options: InboundOptions) -> TranslationResult:
    """Translate every interchange in ``source`` and build the acknowledgements to send back."""
    interchanges: list[InterchangeResult] = []
    acks: list[OutboundAck] = []
    fatal: list[TranslatorError] = []
    try:
        for interchange in iter_interchanges(source, options.limits):
            interchanges.append(interchange)
            acks += acks_for(interchange, options.for_ack(len(acks)))
    except TranslatorError as exc:
        fatal.append(exc)
    return TranslationResult("x12", tuple(interchanges), tuple(acks), tuple(fatal))
