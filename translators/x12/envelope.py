"""X12 envelopes: ISA/IEA, GS/GE and ST/SE around the segments of each transaction set.

``iter_events`` walks a segment stream once and yields what it meets - an interchange, a group, a set
whose body is handed over as a lazy iterator (so a huge set is never held in memory), then each trailer
with the problems it revealed (counts, control numbers, missing trailers) as located errors carrying
their TA1 / AK9 / AK5 codes. Only an unusable interchange (no ISA, bad separators, segments outside any
envelope) raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import itemgetter

from translators.errors import (
    EnvelopeError,
    GroupError,
    LimitExceededError,
    Location,
    MessageError,
    TranslatorError,
)
from translators.options import Limits, Readable
from translators.x12 import codes
from translators.x12.lexer import DEFAULT_LIMITS, Delimiters, SegmentReader

ISA_SENDER_QUALIFIER, ISA_SENDER, ISA_RECEIVER_QUALIFIER, ISA_RECEIVER = 5, 6, 7, 8
ISA_DATE, ISA_TIME, ISA_VERSION, ISA_CONTROL, ISA_ACK_REQUESTED, ISA_USAGE = 9, 10, 12, 13, 14, 15
GS_FUNCTIONAL_ID, GS_SENDER, GS_RECEIVER, GS_DATE, GS_TIME, GS_CONTROL, GS_AGENCY, GS_VERSION = range(1, 9)
ST_ID, ST_CONTROL, ST_IMPLEMENTATION = 1, 2, 3
SE_COUNT, SE_CONTROL = 1, 2
GE_COUNT, GE_CONTROL = 1, 2
IEA_COUNT, IEA_CONTROL = 1, 2
ENVELOPE_TAGS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


def element(segment: list[str], index: int) -> str:
    return segment[index] if index < len(segment) else ""


@dataclass(frozen=True, slots=True)
class InterchangeHeader:
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str
    time: str
    version: str
    control_number: str
    ack_requested: str
    usage: str
    delimiters: Delimiters
    byte_offset: int = 0

    @classmethod
    def from_segment(cls, isa: list[str], delimiters: Delimiters, offset: int) -> InterchangeHeader:
        return cls(
            sender_qualifier=element(isa, ISA_SENDER_QUALIFIER).strip(),
            sender_id=element(isa, ISA_SENDER).strip(),
            receiver_qualifier=element(isa, ISA_RECEIVER_QUALIFIER).strip(),
            receiver_id=element(isa, ISA_RECEIVER).strip(),
            date=element(isa, ISA_DATE),
            time=element(isa, ISA_TIME),
            version=element(isa, ISA_VERSION),
            control_number=element(isa, ISA_CONTROL).strip(),
            ack_requested=element(isa, ISA_ACK_REQUESTED),
            usage=element(isa, ISA_USAGE),
            delimiters=delimiters,
            byte_offset=offset,
        )


@dataclass(frozen=True, slots=True)
class GroupHeader:
    functional_id: str
    sender: str
    receiver: str
    date: str
    time: str
    control_number: str
    agency: str
    version: str
    interchange: InterchangeHeader

    @classmethod
    def from_segment(cls, gs: list[str], interchange: InterchangeHeader) -> GroupHeader:
        return cls(
            functional_id=element(gs, GS_FUNCTIONAL_ID),
            sender=element(gs, GS_SENDER).strip(),
            receiver=element(gs, GS_RECEIVER).strip(),
            date=element(gs, GS_DATE),
            time=element(gs, GS_TIME),
            control_number=element(gs, GS_CONTROL),
            agency=element(gs, GS_AGENCY),
            version=element(gs, GS_VERSION),
            interchange=interchange,
        )


@dataclass(frozen=True, slots=True)
class SetHeader:
    set_id: str
    control_number: str
    implementation_ref: str | None
    group: GroupHeader

    def location(self, position: int | None = None, tag: str | None = None) -> Location:
        return Location(
            interchange_ref=self.group.interchange.control_number,
            group_ref=self.group.control_number,
            message_ref=self.control_number,
            segment_position=position,
            segment_tag=tag,
        )


@dataclass(frozen=True, slots=True)
class InterchangeStart:
    header: InterchangeHeader
    errors: tuple[TranslatorError, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupStart:
    header: GroupHeader
    errors: tuple[TranslatorError, ...] = ()


@dataclass(slots=True)
class SetBody:
    """A transaction set; ``segments`` yields its body (after ST, before SE) and must be consumed once.
    ``runs`` is the same body in the runs the lexer decoded (``segments`` goes on where they stopped)."""

    header: SetHeader
    segments: Iterator[list[str]]
    runs: Iterator[list[list[str]]]


@dataclass(frozen=True, slots=True)
class SetEnd:
    header: SetHeader
    segment_count: int
    errors: tuple[TranslatorError, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupEnd:
    header: GroupHeader
    set_count: int
    errors: tuple[TranslatorError, ...] = ()


@dataclass(frozen=True, slots=True)
class InterchangeEnd:
    header: InterchangeHeader
    group_count: int
    errors: tuple[TranslatorError, ...] = ()


@dataclass(frozen=True, slots=True)
class InterchangeAck:
    """A TA1 segment received inside an interchange."""

    header: InterchangeHeader
    elements: tuple[str, ...]


Event = InterchangeStart | GroupStart | SetBody | SetEnd | GroupEnd | InterchangeEnd | InterchangeAck


@dataclass(slots=True)
class _Cursor:
    """The segment stream, run by run as the lexer decoded it, with one segment of look-back and the
    count of segments seen. ``marks`` are the indexes of the envelope segments in the current run, so a
    set body is handed on in slices instead of one segment at a time."""

    runs: Iterator[list[list[str]]]
    limit: int = DEFAULT_LIMITS.max_segments
    run: list[list[str]] = field(default_factory=list)
    marks: list[int] = field(default_factory=list)
    index: int = 0
    mark: int = 0
    pending: list[str] | None = None
    seen: int = 0
    over: list[str] | None = None

    def _refill(self) -> bool:
        """The next run; False at the end. Past ``limit`` the run is cut before the first segment over
        it, which raises when it is asked for, as if segments were counted one by one."""
        if self.over is not None:
            raise LimitExceededError("interchange has too many segments", Location(segment_tag=self.over[0]))
        run = next(self.runs, None)
        if run is None:
            return False
        if self.seen + len(run) > self.limit:
            allowed = self.limit - self.seen
            self.over, run = run[allowed], run[:allowed]
        self.seen += len(run)
        self.run, self.index, self.mark = run, 0, 0
        tags = map(itemgetter(0), run)
        self.marks = list(compress(range(len(run)), map(ENVELOPE_TAGS.__contains__, tags)))
        return True

    def next(self) -> list[str] | None:
        pending = self.pending
        if pending is not None:
            self.pending = None
            return pending
        while self.index >= len(self.run):
            if not self._refill():
                return None
        segment = self.run[self.index]
        self.index += 1
        return segment

    def body(self) -> list[list[str]] | None:
        """The segments from here up to the next envelope segment in the current run (empty when that
        comes next), or None at the end of the stream."""
        if self.pending is not None:
            return []
        while self.index >= len(self.run):
            if not self._refill():
                return None
        marks, mark, index = self.marks, self.mark, self.index
        while mark < len(marks) and marks[mark] < index:
            mark += 1
        self.mark = mark
        end = marks[mark] if mark < len(marks) else len(self.run)
        self.index = end
        return self.run[index:end]

    def push(self, segment: list[str]) -> None:
        self.pending = segment


@dataclass(slots=True)
class _SetState:
    count: int = 1
    trailer: list[str] | None = None
    interrupted: list[str] | None = field(default=None)


def iter_events(source: bytes | Readable, limits: Limits = DEFAULT_LIMITS) -> Iterator[Event]:
    """Every envelope event of every interchange in ``source``, in order."""
    reader = SegmentReader(source, limits)
    cursor = _Cursor(reader.batches(), limit=limits.max_segments)
    while (isa := cursor.next()) is not None:
        if isa[0] != "ISA" or reader.delimiters is None:
            raise EnvelopeError(
                "expected ISA", Location(segment_tag=isa[0]), codes.TA1_INVALID_CONTROL_STRUCTURE
            )
        header = InterchangeHeader.from_segment(isa, reader.delimiters, reader.interchange_offset)
        yield InterchangeStart(header, tuple(check_isa(isa, header)))
        yield from _interchange(cursor, header)


def _interchange(cursor: _Cursor, header: InterchangeHeader) -> Iterator[Event]:
    groups, acks = 0, 0
    while (segment := cursor.next()) is not None:
        tag = segment[0]
        if tag == "GS":
            groups += 1
            yield from _group(cursor, GroupHeader.from_segment(segment, header))
        elif tag == "TA1":
            acks += 1
            yield InterchangeAck(header, tuple(segment[1:]))
        elif tag == "IEA":
            yield InterchangeEnd(header, groups, tuple(check_iea(segment, header, groups, acks)))
            return
        else:
            location = Location(interchange_ref=header.control_number, segment_tag=tag[:3])
            if tag == "ISA":
                cursor.push(segment)
                break
            raise EnvelopeError(
                f"segment {tag[:3]!r} outside a functional group", location, codes.TA1_INVALID_CONTENT
            )
    missing = EnvelopeError(
        "interchange ends without IEA",
        Location(interchange_ref=header.control_number),
        codes.TA1_PREMATURE_END,
    )
    yield InterchangeEnd(header, groups, (missing,))


def _group(cursor: _Cursor, header: GroupHeader) -> Iterator[Event]:
    yield GroupStart(header, tuple(check_gs(header)))
    sets, seen_sets = 0, set[str]()
    while (segment := cursor.next()) is not None:
        tag = segment[0]
        if tag == "ST":
            sets += 1
            yield from _set(cursor, segment, header, seen_sets)
        elif tag == "GE":
            yield GroupEnd(header, sets, tuple(check_ge(segment, header, sets)))
            return
        else:
            cursor.push(segment)
            break
    missing = GroupError("group ends without GE", _group_location(header), codes.GROUP_TRAILER_MISSING)
    yield GroupEnd(header, sets, (missing,))


def _set(cursor: _Cursor, st: list[str], group: GroupHeader, seen: set[str]) -> Iterator[Event]:
    header = SetHeader(
        element(st, ST_ID), element(st, ST_CONTROL), element(st, ST_IMPLEMENTATION) or None, group
    )
    state = _SetState()
    runs = _body(cursor, state)
    body = SetBody(header, chain.from_iterable(runs), runs)
    yield body
    for _ in body.segments:
        pass
    errors = check_st(header, seen) + check_se(state, header)
    yield SetEnd(header, state.count, tuple(errors))


def _body(cursor: _Cursor, state: _SetState) -> Iterator[list[list[str]]]:
    """The set's body in runs; stops after SE (kept in ``state``) or before any other envelope segment."""
    while (run := cursor.body()) is not None:
        if run:
            state.count += len(run)
            yield run
            continue
        segment = cursor.next()
        if segment is None:
            return
        if segment[0] == "SE":
            state.count += 1
            state.trailer = segment
        else:
            cursor.push(segment)
        return


def _group_location(header: GroupHeader) -> Location:
    return Location(interchange_ref=header.interchange.control_number, group_ref=header.control_number)


def check_isa(isa: list[str], header: InterchangeHeader) -> list[TranslatorError]:
    """ISA field syntax problems, each with its TA1 note code."""
    location = Location(interchange_ref=header.control_number, segment_tag="ISA")
    rules = (
        (
            ISA_CONTROL,
            header.control_number.isdigit() and len(header.control_number) == 9,
            codes.TA1_INVALID_CONTROL_NUMBER,
        ),
        (ISA_VERSION, header.version.isdigit() and len(header.version) == 5, codes.TA1_INVALID_VERSION),
        (ISA_DATE, header.date.isdigit() and len(header.date) == 6, codes.TA1_INVALID_DATE),
        (ISA_TIME, header.time.isdigit() and len(header.time) == 4, codes.TA1_INVALID_TIME),
        (ISA_ACK_REQUESTED, header.ack_requested in ("0", "1"), codes.TA1_INVALID_ACK_REQUESTED),
        (ISA_USAGE, header.usage in ("P", "T", "I"), codes.TA1_INVALID_TEST_INDICATOR),
    )
    errors: list[TranslatorError] = []
    if len(isa) != 17:
        errors.append(
            EnvelopeError("ISA must have 16 elements", location, codes.TA1_INVALID_CONTROL_STRUCTURE)
        )
    for index, ok, code in rules:
        if not ok:
            where = Location(interchange_ref=header.control_number, segment_tag="ISA", element_index=index)
            errors.append(EnvelopeError(f"invalid ISA{index:02d} {element(isa, index)!r}", where, code))
    return errors


def check_iea(iea: list[str], header: InterchangeHeader, groups: int, acks: int = 0) -> list[TranslatorError]:
    """IEA trailer problems; a TA1-only interchange may count its TA1 segments in IEA01."""
    location = Location(interchange_ref=header.control_number, segment_tag="IEA")
    errors: list[TranslatorError] = []
    if element(iea, IEA_CONTROL).strip() != header.control_number:
        errors.append(
            EnvelopeError("IEA02 does not match ISA13", location, codes.TA1_CONTROL_NUMBER_MISMATCH)
        )
    if _as_int(element(iea, IEA_COUNT)) not in (groups, groups or acks):
        message = f"IEA01 says {element(iea, IEA_COUNT)!r} groups, found {groups}"
        errors.append(EnvelopeError(message, location, codes.TA1_INVALID_GROUP_COUNT))
    return errors


def check_gs(header: GroupHeader) -> list[TranslatorError]:
    location = _group_location(header)
    errors: list[TranslatorError] = []
    control = header.control_number
    if not (control.isdigit() and len(control) <= 9):
        errors.append(GroupError(f"invalid GS06 {control!r}", location, codes.GROUP_CONTROL_SYNTAX))
    if not (header.date.isdigit() and len(header.date) in (6, 8)):
        errors.append(GroupError(f"invalid GS04 date {header.date!r}", location, codes.GROUP_CONTROL_SYNTAX))
    if not (header.time.isdigit() and 4 <= len(header.time) <= 8):
        errors.append(GroupError(f"invalid GS05 time {header.time!r}", location, codes.GROUP_CONTROL_SYNTAX))
    if not header.version:
        errors.append(GroupError("GS08 version missing", location, codes.GROUP_VERSION_UNSUPPORTED))
    return errors


def check_ge(ge: list[str], header: GroupHeader, sets: int) -> list[TranslatorError]:
    location = _group_location(header)
    errors: list[TranslatorError] = []
    if element(ge, GE_CONTROL) != header.control_number:
        errors.append(GroupError("GE02 does not match GS06", location, codes.GROUP_CONTROL_MISMATCH))
    if _as_int(element(ge, GE_COUNT)) != sets:
        message = f"GE01 says {element(ge, GE_COUNT)!r} sets, found {sets}"
        errors.append(GroupError(message, location, codes.GROUP_SET_COUNT_MISMATCH))
    return errors


def check_st(header: SetHeader, seen: set[str]) -> list[TranslatorError]:
    location = header.location(1, "ST")
    errors: list[TranslatorError] = []
    if not (len(header.set_id) == 3 and header.set_id.isalnum()):
        errors.append(MessageError(f"invalid ST01 {header.set_id!r}", location, codes.SET_INVALID_ID))
    if not 4 <= len(header.control_number) <= 9:
        errors.append(MessageError("invalid ST02 control number", location, codes.SET_INVALID_CONTROL_NUMBER))
    elif header.control_number in seen:
        errors.append(MessageError("ST02 repeated in group", location, codes.SET_CONTROL_NOT_UNIQUE))
    seen.add(header.control_number)
    return errors


def check_se(state: _SetState, header: SetHeader) -> list[TranslatorError]:
    if state.trailer is None:
        location = header.location(state.count + 1, "SE")
        return [MessageError("transaction set ends without SE", location, codes.SET_TRAILER_MISSING)]
    location = header.location(state.count, "SE")
    errors: list[TranslatorError] = []
    if element(state.trailer, SE_CONTROL) != header.control_number:
        errors.append(MessageError("SE02 does not match ST02", location, codes.SET_CONTROL_MISMATCH))
    if _as_int(element(state.trailer, SE_COUNT)) != state.count:
        message = f"SE01 says {element(state.trailer, SE_COUNT)!r} segments, found {state.count}"
        errors.append(MessageError(message, location, codes.SET_SEGMENT_COUNT_MISMATCH))
    return errors


def _as_int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None
