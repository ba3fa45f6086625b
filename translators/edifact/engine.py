"""The EDIFACT engine behind ``translators.api``: inbound bytes -> ``TranslationResult`` with a CONTRL per
interchange, canonical document -> interchange under ``OutboundOptions``."""

from __future__ import annotations

from translators.canonical import CanonicalDocument
from translators.edifact.charsets import CHARSETS
from translators.edifact.contrl import render_contrl
from translators.edifact.errors import Code, EdifactRenderError
from translators.edifact.headers import Party
from translators.edifact.outbound import DEFAULT_DIRECTORY, render_document
from translators.edifact.render import InterchangeSpec
from translators.edifact.syntax import DEFAULT_CHARS, NO_REPETITION, Limits, ServiceChars
from translators.edifact.translate import InterchangeResult as EdifactInterchange
from translators.edifact.translate import TranslatedMessage, translate
from translators.errors import Location, TranslatorError
from translators.options import InboundOptions, OutboundOptions, Readable, Separators
from translators.result import GroupResult, InterchangeResult, MessageResult, OutboundAck, TranslationResult

X12_DEFAULT_SEPARATORS = Separators()
NO_QUALIFIER = "ZZ"
DEFAULT_SYNTAX_ID = "UNOC"
DEFAULT_SYNTAX_VERSION = "3"
SYNTAX_4_IDENTIFIERS = frozenset({"UNOW", "UNOX", "UNOY"})


def _limits(options: InboundOptions) -> Limits:
    limits = options.limits
    return Limits(
        max_interchange_bytes=limits.max_interchange_bytes,
        max_segment_chars=limits.max_segment_bytes,
        max_elements=limits.max_elements,
        max_segments_per_message=limits.max_segments,
    )


def _message(message: TranslatedMessage, rejected: bool) -> MessageResult:
    h = message.header
    ref = ":".join(p for p in (h.version, h.release, h.agency, h.association) if p)
    return MessageResult(
        message_type=h.type,
        control_ref=h.reference,
        implementation_ref=ref or None,
        document=None if rejected else message.document,
        errors=message.errors,
        supported=message.supported,
    )


def _interchange(
    result: EdifactInterchange, group_errors: dict[str, list[TranslatorError]]
) -> InterchangeResult:
    h = result.header
    rejected = not result.accepted
    by_group: dict[str | None, list[MessageResult]] = {}
    for message in result.messages:
        by_group.setdefault(message.group_ref, []).append(_message(message, rejected))
    groups = tuple(
        GroupResult(
            functional_id=None,
            control_ref=ref,
            version=None,
            sender=None,
            receiver=None,
            messages=tuple(messages),
            errors=tuple(group_errors.get(ref or "", ())),
        )
        for ref, messages in by_group.items()
    )
    return InterchangeResult(
        syntax="edifact",
        sender_qualifier=h.sender.qualifier or None,
        sender_id=h.sender.id,
        receiver_qualifier=h.recipient.qualifier or None,
        receiver_id=h.recipient.id,
        control_ref=h.reference,
        version=f"{h.syntax_id}:{h.syntax_version}",
        date=h.date,
        time=h.time,
        test=h.test,
        ack_requested=h.ack_requested,
        groups=groups,
        errors=tuple(e for e in result.errors if e.level != "group"),
    )


def _ack(result: EdifactInterchange, options: InboundOptions) -> OutboundAck | None:
    """A CONTRL, except for interchanges holding only CONTRL messages (never acknowledged)."""
    only_contrl = bool(result.messages) and all(m.header.type == "CONTRL" for m in result.messages)
    if options.ack_kind == "none" or only_contrl:
        return None
    data = render_contrl(
        result.ack,
        result.header,
        reference=str(options.ack_interchange_control_number),
        message_ref=str(options.ack_group_control_number),
        now=options.now,
        service_chars=result.header.service_chars.with_repetition(NO_REPETITION),
    )
    return OutboundAck(result.header.reference, "CONTRL", data, result.ack)


class EdifactEngine:
    """Implements ``translators.api.SyntaxEngine`` for UN/EDIFACT."""

    def translate_inbound(self, data: bytes | Readable, options: InboundOptions) -> TranslationResult:
        try:
            translation = translate(data, _limits(options))
        except TranslatorError as exc:
            return TranslationResult("edifact", (), (), (exc,))
        interchanges: list[InterchangeResult] = []
        acks: list[OutboundAck] = []
        for result in translation.interchanges:
            group_errors: dict[str, list[TranslatorError]] = {}
            for error in result.errors:
                if error.level == "group":
                    group_errors.setdefault(error.location.group_ref or "", []).append(error)
            interchanges.append(_interchange(result, group_errors))
            ack = _ack(result, options.for_ack(len(acks)))
            if ack is not None:
                acks.append(ack)
        return TranslationResult("edifact", tuple(interchanges), tuple(acks))

    def render_outbound(self, document: CanonicalDocument, options: OutboundOptions) -> bytes:
        syntax_id = (options.character_set or DEFAULT_SYNTAX_ID).upper()
        if syntax_id not in CHARSETS:
            message = f"unknown syntax identifier {syntax_id!r}: use UNOA to UNOY"
            raise EdifactRenderError(message, Location(), Code.VALUE_NOT_SUPPORTED)
        service_chars = _service_chars(options.separators)
        spec = InterchangeSpec(
            sender=Party(options.sender_id, _qualifier(options.sender_qualifier)),
            recipient=Party(options.receiver_id, _qualifier(options.receiver_qualifier)),
            reference=str(options.interchange_control_number),
            now=options.now,
            syntax_id=syntax_id,
            syntax_version=options.syntax_version or _syntax_version(syntax_id, service_chars),
            service_chars=service_chars,
            newline=options.separators != X12_DEFAULT_SEPARATORS and options.separators.suffix == "\n",
            ack_request=options.ack_requested,
            test=options.test,
        )
        return render_document(
            document,
            spec,
            message_ref=str(options.message_control_number),
            directory=options.version or DEFAULT_DIRECTORY,
            association=options.implementation_ref or "",
        )


def _syntax_version(syntax_id: str, service_chars: ServiceChars) -> str:
    """Syntax 4 where the repertoire (ISO 10646, code extension) or a repetition separator needs it."""
    needs_4 = syntax_id in SYNTAX_4_IDENTIFIERS or service_chars.repetition != NO_REPETITION
    return "4" if needs_4 else DEFAULT_SYNTAX_VERSION


def _qualifier(value: str) -> str:
    return "" if value == NO_QUALIFIER else value


def _service_chars(separators: Separators) -> ServiceChars:
    """EDIFACT defaults unless the caller gave its own separators (the X12 defaults do not count)."""
    if separators == X12_DEFAULT_SEPARATORS:
        return DEFAULT_CHARS
    return ServiceChars(
        component=separators.component,
        element=separators.element,
        decimal=separators.decimal,
        release=separators.release or DEFAULT_CHARS.release,
        repetition=separators.repetition or NO_REPETITION,
        terminator=separators.segment,
    )


ENGINE = EdifactEngine()
