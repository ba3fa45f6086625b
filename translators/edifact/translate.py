"""EDIFACT interchange -> canonical documents (and their CONTRL), and canonical documents -> EDIFACT.

``iter_translate`` streams: it yields one ``TranslatedMessage`` per UNH..UNT as soon as it is read, so
memory stays bounded by the largest message; ``translate`` collects everything, adds the envelope verdict
and the functional acknowledgement of each interchange. Message types without a map (INVOIC, IFTMIN,
...) are passed through: envelope-checked, acknowledged, never mapped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial

from translators.canonical import CanonicalDocument, FunctionalAck
from translators.edifact.contrl import MessageOutcome, acknowledge
from translators.edifact.envelope import EnvelopeReader
from translators.edifact.errors import Code, EdifactMessageError
from translators.edifact.headers import InterchangeHeader, MessageHeader
from translators.edifact.maps.contrl import contrl_to_ack
from translators.edifact.maps.orders import orders_to_po
from translators.edifact.maps.values import SharedValues
from translators.edifact.messages import InterchangeSummary, RawMessage
from translators.edifact.stream import Source
from translators.edifact.syntax import DEFAULT_LIMITS, Limits
from translators.errors import TranslatorError

Mapper = Callable[[RawMessage], CanonicalDocument]


def _contrl(message: RawMessage) -> FunctionalAck:
    return contrl_to_ack(message.body)


def _mappers() -> dict[str, Mapper]:
    """The maps of one translation; ORDERS and DESADV share repeated value objects between messages."""
    from translators.edifact.maps.desadv import desadv_to_asn
    from translators.edifact.maps.ordrsp import ordrsp_to_ack

    values = SharedValues()
    return {
        "ORDERS": partial(orders_to_po, values=values),
        "ORDRSP": ordrsp_to_ack,
        "DESADV": partial(desadv_to_asn, values=values),
        "CONTRL": _contrl,
    }


@dataclass(frozen=True, slots=True)
class TranslatedMessage:
    """One message: its envelope identity, the canonical document (None when rejected or passed through)."""

    header: MessageHeader
    interchange_ref: str
    group_ref: str | None
    document: CanonicalDocument | None
    errors: tuple[TranslatorError, ...] = ()
    warnings: tuple[TranslatorError, ...] = ()
    supported: bool = True

    @property
    def outcome(self) -> MessageOutcome:
        return MessageOutcome(self.header, self.group_ref, self.errors)


@dataclass(frozen=True, slots=True)
class InterchangeResult:
    """One interchange: header, envelope errors, messages and the FunctionalAck we would send as CONTRL."""

    header: InterchangeHeader
    errors: tuple[TranslatorError, ...]
    messages: tuple[TranslatedMessage, ...]
    ack: FunctionalAck

    @property
    def accepted(self) -> bool:
        return not self.errors

    def documents(self) -> tuple[CanonicalDocument, ...]:
        """Documents of accepted messages; none at all when the interchange envelope is rejected."""
        if self.errors:
            return ()
        return tuple(m.document for m in self.messages if m.document is not None and not m.errors)


@dataclass(frozen=True, slots=True)
class EdifactTranslation:
    interchanges: tuple[InterchangeResult, ...] = field(default_factory=tuple)

    def documents(self) -> tuple[CanonicalDocument, ...]:
        return tuple(doc for ic in self.interchanges for doc in ic.documents())

    def errors(self) -> tuple[TranslatorError, ...]:
        envelope = [e for ic in self.interchanges for e in ic.errors]
        return (*envelope, *(e for ic in self.interchanges for m in ic.messages for e in m.errors))

    def raise_for_errors(self) -> None:
        errors = self.errors()
        if errors:
            raise errors[0]


def _translated(
    message: RawMessage,
    document: CanonicalDocument | None = None,
    errors: Sequence[TranslatorError] = (),
    supported: bool = True,
) -> TranslatedMessage:
    return TranslatedMessage(
        header=message.header,
        interchange_ref=message.interchange.reference,
        group_ref=message.group.header.reference if message.group else None,
        document=document,
        errors=tuple(errors),
        warnings=tuple(message.warnings),
        supported=supported,
    )


def map_message(message: RawMessage, mappers: dict[str, Mapper] | None = None) -> TranslatedMessage:
    """Map one envelope-checked message; errors become part of the result, never escape."""
    mappers = mappers if mappers is not None else _mappers()
    mapper = mappers.get(message.header.type.upper())
    if mapper is None or message.errors:
        return _translated(message, errors=message.errors, supported=mapper is not None)
    try:
        return _translated(message, mapper(message))
    except TranslatorError as exc:
        return _translated(message, errors=(exc,))
    except (ValueError, ArithmeticError) as exc:
        error = EdifactMessageError(
            f"{message.header.type} content invalid: {str(exc).splitlines()[0][:200]}",
            message.location(None),
            Code.INVALID_VALUE,
        )
        return _translated(message, errors=(error,))


def iter_translate(reader: EnvelopeReader) -> Iterator[TranslatedMessage]:
    """Translate messages as the reader yields them (bounded memory)."""
    mappers = _mappers()
    for message in reader:
        yield map_message(message, mappers)


def _result(summary: InterchangeSummary, messages: Sequence[TranslatedMessage]) -> InterchangeResult:
    errors = (*summary.errors, *(e for g in summary.groups for e in g.errors))
    ack = acknowledge(summary, [m.outcome for m in messages])
    return InterchangeResult(summary.header, tuple(errors), tuple(messages), ack)


def translate(
    source: Source, limits: Limits = DEFAULT_LIMITS, strict_charset: bool = False
) -> EdifactTranslation:
    """Translate every interchange in ``source``. Unreadable input raises a located ``TranslatorError``."""
    reader = EnvelopeReader(source, limits, strict_charset)
    mappers = _mappers()
    by_header: dict[int, list[TranslatedMessage]] = {}
    for message in reader:
        by_header.setdefault(id(message.interchange), []).append(map_message(message, mappers))
    results = [_result(s, by_header.get(id(s.header), [])) for s in reader.interchanges]
    return EdifactTranslation(tuple(results))
