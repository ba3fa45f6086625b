"""EDIFACT envelope reader: UNB..UNZ with optional UNG..UNE and UNH..UNT, validated while streaming.

``EnvelopeReader`` yields one ``RawMessage`` at a time (memory stays bounded by the largest message).
Problems that make the input unreadable (no UNB, bad UNA, undecodable bytes, hard limits) raise at once;
counting and reference problems are collected as located errors on the message, group or interchange
they belong to, so a CONTRL can report all of them. ``read_interchanges`` is the strict convenience.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from translators.edifact.errors import (
    Code,
    EdifactEnvelopeError,
    EdifactLimitError,
    EdifactMessageError,
    EdifactSegmentError,
    GroupError,
    InvalidCharacterError,
    SyntaxVersionError,
)
from translators.edifact.headers import (
    UNB,
    UNE,
    UNH,
    UNT,
    UNZ,
    GroupHeader,
    InterchangeHeader,
    MessageHeader,
)
from translators.edifact.messages import GroupSummary, InterchangeSummary, RawMessage
from translators.edifact.stream import SegmentStream, Source
from translators.edifact.syntax import DEFAULT_LIMITS, Limits, Segment
from translators.errors import Location, TranslatorError

SERVICE_TAGS = frozenset({"UNH", "UNT", "UNG", "UNE", "UNZ", "UNB"})
SUPPORTED_VERSIONS = frozenset({"1", "2", "3", "4"})
MANDATORY_UNB = ((UNB.SYNTAX, 1), (UNB.SENDER, 1), (UNB.RECIPIENT, 1), (UNB.DATETIME, 1), (UNB.REFERENCE, 1))
MAX_REFERENCE = 14
MANDATORY_UNH = ((UNH.REFERENCE, 1), (UNH.IDENTIFIER, 1), (UNH.IDENTIFIER, 2), (UNH.IDENTIFIER, 3))


def _missing(seg: Segment, required: tuple[tuple[int, int], ...]) -> tuple[int, int] | None:
    return next(((e, c) for e, c in required if not seg.get(e, c)), None)


def _count(seg: Segment, element: int) -> int | None:
    value = seg.get(element)
    return int(value) if value.isascii() and value.isdigit() else None


class EnvelopeReader:
    """Iterate the messages of every interchange in ``source``; summaries fill in as reading proceeds."""

    def __init__(self, source: Source, limits: Limits = DEFAULT_LIMITS, strict_charset: bool = False) -> None:
        self.limits = limits
        self.strict_charset = strict_charset
        self.stream = SegmentStream(source, limits)
        self.interchanges: list[InterchangeSummary] = []
        self._current: InterchangeSummary | None = None
        self._group: GroupSummary | None = None
        self._message: RawMessage | None = None
        self._refs: set[str] = set()
        self._top_level_messages = 0

    def __iter__(self) -> Iterator[RawMessage]:
        self._start(self.stream.open())
        stream = self.stream
        service = SERVICE_TAGS
        for batch in stream.batches():
            message = self._message
            append = message.segments.append if message is not None else None
            for seg in batch:
                if append is not None and seg.tag not in service:
                    append(seg)
                    continue
                done = self._service(seg)
                if stream.findings:
                    self._charset_findings(seg.index, done or self._message)
                if done is not None:
                    yield done
                message = self._message
                append = message.segments.append if message is not None else None
            if self._message is not None:
                self._check_message_size(self._message)
            if stream.findings:
                self._charset_findings(batch[-1].index if batch else 0, self._message)
        if self._message is not None:
            yield self._close_message_missing_unt(None)
        self._finish_interchange(None)

    def _check_message_size(self, message: RawMessage) -> None:
        if len(message.segments) > self.limits.max_segments_per_message:
            raise EdifactLimitError(
                f"message has more than {self.limits.max_segments_per_message} segments",
                message.location(message.segments[-1]),
            )

    def _service(self, seg: Segment) -> RawMessage | None:
        handler = {
            "UNH": self._unh,
            "UNT": self._unt,
            "UNG": self._ung,
            "UNE": self._une,
            "UNZ": self._unz,
            "UNB": self._unb,
        }.get(seg.tag)
        if handler is not None:
            return handler(seg)
        if self._message is not None:
            self._message.segments.append(seg)
            return None
        if self._current is None:
            raise EdifactEnvelopeError(
                f"segment {seg.tag[:6]!r} after UNZ where a UNA/UNB should start the next interchange",
                Location(segment_tag=seg.tag[:6], segment_position=seg.index),
                Code.MISSING,
            )
        self._interchange_error(
            EdifactSegmentError(
                f"segment {seg.tag} outside any message",
                self._summary.location(seg),
                Code.INVALID_OCCURRENCE_OUTSIDE_MESSAGE,
            )
        )
        return None

    @property
    def _summary(self) -> InterchangeSummary:
        if self._current is None:
            raise EdifactEnvelopeError("segment after UNZ without a new UNB", Location(), Code.MISSING)
        return self._current

    def _interchange_error(self, error: TranslatorError) -> None:
        self._summary.errors.append(error)

    def _start(self, unb: Segment) -> None:
        stream = self.stream
        header = InterchangeHeader.from_segment(unb, stream.service_chars, stream.una_present)
        summary = InterchangeSummary(header)
        self._current = summary
        self._refs = set()
        self._top_level_messages = 0
        self.interchanges.append(summary)
        missing = _missing(unb, MANDATORY_UNB)
        if missing:
            summary.errors.append(
                EdifactEnvelopeError(
                    "UNB mandatory element missing",
                    Location(
                        interchange_ref=header.reference,
                        segment_tag="UNB",
                        element_index=missing[0],
                        component_index=missing[1],
                    ),
                    Code.MISSING,
                )
            )
        if len(header.reference) > MAX_REFERENCE:
            summary.errors.append(
                EdifactEnvelopeError(
                    f"interchange control reference longer than {MAX_REFERENCE} characters",
                    Location(
                        interchange_ref=header.reference[:MAX_REFERENCE], segment_tag="UNB", element_index=5
                    ),
                    Code.ELEMENT_TOO_LONG,
                )
            )
        version = header.syntax_version or "3"
        if version not in SUPPORTED_VERSIONS:
            summary.errors.append(
                SyntaxVersionError(
                    f"syntax version {version!r} is not supported",
                    Location(
                        interchange_ref=header.reference,
                        segment_tag="UNB",
                        element_index=1,
                        component_index=2,
                    ),
                )
            )

    def _unb(self, seg: Segment) -> RawMessage | None:
        closed = self._close_message_missing_unt(seg) if self._message is not None else None
        if self._current is not None:
            self._finish_interchange(seg)
        charset = self.stream.charset
        self.stream._configure(seg)
        if self.stream.charset != charset:
            raise EdifactEnvelopeError(
                "concatenated interchanges use different syntax identifiers; split the file",
                Location(segment_tag="UNB", segment_position=seg.index),
                Code.VALUE_NOT_SUPPORTED,
            )
        self._start(seg)
        return closed

    def _ung(self, seg: Segment) -> RawMessage | None:
        summary = self._summary
        closed = self._close_message_missing_unt(seg) if self._message is not None else None
        if self._group is not None:
            self._group.errors.append(
                GroupError("UNE missing before next UNG", summary.location(seg), Code.MISSING)
            )
        if self._top_level_messages:
            summary.errors.append(
                EdifactEnvelopeError(
                    "functional groups and messages mixed",
                    summary.location(seg),
                    Code.GROUPS_AND_MESSAGES_MIXED,
                )
            )
        self._group = GroupSummary(GroupHeader.from_segment(seg))
        summary.groups.append(self._group)
        return closed

    def _une(self, seg: Segment) -> RawMessage | None:
        closed = self._close_message_missing_unt(seg) if self._message is not None else None
        group = self._group
        summary = self._summary
        if group is None:
            summary.errors.append(
                GroupError("UNE without UNG", summary.location(seg), Code.INVALID_OCCURRENCE_OUTSIDE_MESSAGE)
            )
            return closed
        loc = Location(
            interchange_ref=summary.header.reference, group_ref=group.header.reference, segment_tag="UNE"
        )
        if _count(seg, UNE.COUNT) != group.message_count:
            group.errors.append(
                GroupError(
                    f"UNE count {seg.get(UNE.COUNT)!r} but {group.message_count} messages",
                    replace(loc, element_index=UNE.COUNT),
                    Code.CONTROL_COUNT_MISMATCH,
                )
            )
        if seg.get(UNE.REFERENCE) != group.header.reference:
            group.errors.append(
                GroupError(
                    f"UNE reference {seg.get(UNE.REFERENCE)!r} does not match UNG {group.header.reference!r}",
                    replace(loc, element_index=UNE.REFERENCE),
                    Code.REFERENCES_DO_NOT_MATCH,
                )
            )
        self._group = None
        return closed

    def _unh(self, seg: Segment) -> RawMessage | None:
        closed = self._close_message_missing_unt(seg) if self._message is not None else None
        summary = self._summary
        header = MessageHeader.from_segment(seg)
        message = RawMessage(header, summary.header, self._group, [seg])
        if len(summary.message_refs) >= self.limits.max_messages:
            raise EdifactLimitError(f"more than {self.limits.max_messages} messages", message.location(seg))
        summary.message_refs.append((header.reference, header.type))
        if self._group is not None:
            self._group.message_count += 1
        else:
            self._top_level_messages += 1
            if summary.groups:
                summary.errors.append(
                    EdifactEnvelopeError(
                        "functional groups and messages mixed",
                        summary.location(seg),
                        Code.GROUPS_AND_MESSAGES_MIXED,
                    )
                )
        missing = _missing(seg, MANDATORY_UNH)
        if missing:
            message.errors.append(
                EdifactMessageError(
                    "UNH mandatory element missing", message.location(seg, *missing), Code.MISSING
                )
            )
        if len(header.reference) > MAX_REFERENCE:
            message.errors.append(
                EdifactMessageError(
                    f"message reference longer than {MAX_REFERENCE} characters",
                    message.location(seg, UNH.REFERENCE),
                    Code.ELEMENT_TOO_LONG,
                )
            )
        if header.reference in self._refs:
            message.errors.append(
                EdifactMessageError(
                    f"message reference {header.reference!r} repeated in the interchange",
                    message.location(seg, UNH.REFERENCE),
                    Code.DUPLICATE_DETECTED,
                )
            )
        self._refs.add(header.reference)
        self._message = message
        return closed

    def _unt(self, seg: Segment) -> RawMessage | None:
        message = self._message
        if message is None:
            self._interchange_error(
                EdifactSegmentError(
                    "UNT without UNH", self._summary.location(seg), Code.INVALID_OCCURRENCE_OUTSIDE_MESSAGE
                )
            )
            return None
        message.segments.append(seg)
        actual = len(message.segments)
        if _count(seg, UNT.COUNT) != actual:
            message.errors.append(
                EdifactMessageError(
                    f"UNT segment count {seg.get(UNT.COUNT)!r} but the message has {actual} segments",
                    message.location(seg, UNT.COUNT),
                    Code.CONTROL_COUNT_MISMATCH,
                )
            )
        if seg.get(UNT.REFERENCE) != message.header.reference:
            message.errors.append(
                EdifactMessageError(
                    f"UNT reference {seg.get(UNT.REFERENCE)!r} differs from UNH {message.header.reference!r}",
                    message.location(seg, UNT.REFERENCE),
                    Code.REFERENCES_DO_NOT_MATCH,
                )
            )
        self._message = None
        return message

    def _close_message_missing_unt(self, seg: Segment | None) -> RawMessage:
        message = self._message
        assert message is not None
        message.errors.append(
            EdifactMessageError("UNT missing: message not terminated", message.location(None), Code.MISSING)
        )
        self._message = None
        return message

    def _unz(self, seg: Segment) -> RawMessage | None:
        closed = self._close_message_missing_unt(seg) if self._message is not None else None
        self._finish_interchange(seg)
        return closed

    def _finish_interchange(self, unz: Segment | None) -> None:
        summary = self._current
        if summary is None:
            return
        if self._group is not None:
            self._group.errors.append(GroupError("UNE missing", summary.location(unz), Code.MISSING))
            self._group = None
        self._current = None
        if unz is None or unz.tag != "UNZ":
            summary.errors.append(
                EdifactEnvelopeError(
                    "UNZ interchange trailer missing",
                    Location(interchange_ref=summary.header.reference, segment_tag="UNZ"),
                    Code.MISSING,
                )
            )
            return
        self._check_unz(summary, unz)

    def _check_unz(self, summary: InterchangeSummary, unz: Segment) -> None:
        summary.complete = True
        expected = len(summary.groups) if summary.groups else len(summary.message_refs)
        if _count(unz, UNZ.COUNT) != expected:
            summary.errors.append(
                EdifactEnvelopeError(
                    f"UNZ count {unz.get(UNZ.COUNT)!r} but {expected} groups or messages",
                    summary.location(unz, UNZ.COUNT),
                    Code.CONTROL_COUNT_MISMATCH,
                )
            )
        if unz.get(UNZ.REFERENCE) != summary.header.reference:
            summary.errors.append(
                EdifactEnvelopeError(
                    f"UNZ reference {unz.get(UNZ.REFERENCE)!r} differs from UNB {summary.header.reference!r}",
                    summary.location(unz, UNZ.REFERENCE),
                    Code.REFERENCES_DO_NOT_MATCH,
                )
            )
        if not summary.message_refs:
            summary.errors.append(
                EdifactEnvelopeError(
                    "interchange holds no message", summary.location(unz), Code.LOWER_LEVEL_EMPTY
                )
            )

    def _charset_findings(self, upto: int, message: RawMessage | None) -> None:
        """Attach repertoire findings up to segment ``upto``: errors when strict, warnings otherwise."""
        findings = self.stream.findings
        while findings and findings[0][0] <= upto:
            index, tag, char = findings.pop(0)
            loc = Location(interchange_ref=self.interchanges[-1].header.reference, segment_tag=tag)
            if message is not None:
                loc = message.location(None)
                loc = replace(loc, segment_tag=tag, segment_position=index - message.segments[0].index + 1)
            error = InvalidCharacterError(
                f"character {char!r} outside the {self.stream.charset.identifier} repertoire", loc
            )
            if not self.strict_charset:
                if message is not None:
                    message.warnings.append(error)
            elif message is not None:
                message.errors.append(error)
            else:
                self.interchanges[-1].errors.append(error)


def read_interchanges(
    source: Source, limits: Limits = DEFAULT_LIMITS, strict_charset: bool = False
) -> tuple[list[InterchangeSummary], list[RawMessage]]:
    """Read everything, raising the first located error found (envelope first, then messages)."""
    reader = EnvelopeReader(source, limits, strict_charset)
    messages = list(reader)
    for summary in reader.interchanges:
        for error in summary.errors:
            raise error
        for group in summary.groups:
            for error in group.errors:
                raise error
    for message in messages:
        for error in message.errors:
            raise error
    return reader.interchanges, messages
