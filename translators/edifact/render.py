"""EDIFACT rendering: escaping, segments, and UNA/UNB/UNG/UNH..UNT/UNE/UNZ envelopes around message bodies.

Everything that varies (service characters, syntax identifier and version, references, parties, the
preparation date and time) is an argument, so the same input always renders the same bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from translators.edifact.charsets import charset_for, encode
from translators.edifact.errors import Code, EdifactRenderError
from translators.edifact.headers import Party
from translators.edifact.syntax import DEFAULT_CHARS, NO_REPETITION, SYNTAX4_DEFAULT_REPETITION, ServiceChars
from translators.errors import Location

Element = str | Sequence[str] | None
UPPER_CASE_ONLY = "UNOA"
REPERTOIRE_CHECKED = frozenset({"UNOA", "UNOB"})
SegmentSpec = tuple[str, Sequence[Element]]


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One message to render: UNH reference, S009 identifier parts and the body (no UNH/UNT)."""

    reference: str
    type: str
    version: str
    release: str
    body: Sequence[SegmentSpec]
    agency: str = "UN"
    association: str = ""


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """An optional UNG..UNE functional group around the messages."""

    reference: str
    group_id: str
    sender: Party
    recipient: Party
    version: str = "D"
    release: str = "96A"
    agency: str = "UN"


@dataclass(frozen=True, slots=True)
class InterchangeSpec:
    """UNB parameters. ``now`` is the preparation date/time written to S004."""

    sender: Party
    recipient: Party
    reference: str
    now: dt.datetime
    syntax_id: str = "UNOC"
    syntax_version: str = "3"
    service_chars: ServiceChars = DEFAULT_CHARS
    include_una: bool = True
    newline: bool = False
    application_ref: str = ""
    ack_request: bool = False
    test: bool = False
    group: GroupSpec | None = None


def effective_chars(spec: InterchangeSpec) -> ServiceChars:
    """Below syntax 4 the UNA repetition position is reserved (a space); in syntax 4 without a UNA the
    reader assumes '*' so data must release it."""
    sc = spec.service_chars
    if spec.syntax_version == "4" and sc.repetition == NO_REPETITION and not spec.include_una:
        return sc.with_repetition(SYNTAX4_DEFAULT_REPETITION)
    if spec.syntax_version != "4" and sc.repetition != NO_REPETITION:
        return sc.with_repetition(NO_REPETITION)
    return sc


def escape(value: str, sc: ServiceChars) -> str:
    """Put the release character before every service character occurring in data."""
    rel = sc.release
    out = value.replace(rel, rel + rel) if rel in value else value
    for char in (sc.element, sc.component, sc.terminator, sc.repetition):
        if char != NO_REPETITION and char in out:
            out = out.replace(char, rel + char)
    return out


def render_element(element: Element, sc: ServiceChars) -> str:
    if element is None:
        return ""
    if isinstance(element, str):
        return escape(element, sc)
    comps = [escape(c or "", sc) for c in element]
    while comps and not comps[-1]:
        comps.pop()
    return sc.component.join(comps)


def render_segment(tag: str, elements: Sequence[Element], sc: ServiceChars) -> str:
    """One segment with its terminator; trailing empty elements and components are dropped."""
    rendered = [render_element(e, sc) for e in elements]
    while rendered and not rendered[-1]:
        rendered.pop()
    return sc.element.join([tag, *rendered]) + sc.terminator


def _date_time(spec: InterchangeSpec) -> list[str]:
    date = spec.now.strftime("%Y%m%d" if spec.syntax_version == "4" else "%y%m%d")
    return [date, spec.now.strftime("%H%M")]


def unb_segment(spec: InterchangeSpec) -> SegmentSpec:
    s, r = spec.sender, spec.recipient
    return (
        "UNB",
        [
            [spec.syntax_id, spec.syntax_version],
            [s.id, s.qualifier, s.routing],
            [r.id, r.qualifier, r.routing],
            _date_time(spec),
            spec.reference,
            None,
            spec.application_ref or None,
            None,
            "1" if spec.ack_request else None,
            None,
            "1" if spec.test else None,
        ],
    )


def message_segments(message: MessageSpec) -> list[SegmentSpec]:
    s009 = [message.type, message.version, message.release, message.agency, message.association]
    body = list(message.body)
    return [
        ("UNH", [message.reference, s009]),
        *body,
        ("UNT", [str(len(body) + 2), message.reference]),
    ]


def _group_segments(spec: InterchangeSpec, group: GroupSpec, count: int) -> tuple[SegmentSpec, SegmentSpec]:
    ung: SegmentSpec = (
        "UNG",
        [
            group.group_id,
            [group.sender.id, group.sender.qualifier],
            [group.recipient.id, group.recipient.qualifier],
            _date_time(spec),
            group.reference,
            group.agency,
            [group.version, group.release],
        ],
    )
    return ung, ("UNE", [str(count), group.reference])


def interchange_segments(spec: InterchangeSpec, messages: Sequence[MessageSpec]) -> list[SegmentSpec]:
    """All segments of the interchange after UNA, UNB first and UNZ last."""
    body = [seg for message in messages for seg in message_segments(message)]
    if spec.group is not None:
        ung, une = _group_segments(spec, spec.group, len(messages))
        body = [ung, *body, une]
    count = 1 if spec.group is not None else len(messages)
    return [unb_segment(spec), *body, ("UNZ", [str(count), spec.reference])]


def render_interchange(spec: InterchangeSpec, messages: Sequence[MessageSpec]) -> bytes:
    """The interchange as bytes in the syntax identifier's encoding.

    Level A (UNOA) has no lower case letters, so its data is written in upper case; a character outside
    the level A or B repertoire, or one the identifier's encoding cannot represent, is refused with the
    segment that holds it."""
    sc = effective_chars(spec)
    if not messages:
        raise EdifactRenderError(
            "an interchange needs at least one message", Location(), Code.LOWER_LEVEL_EMPTY
        )
    charset = charset_for(spec.syntax_id)
    segments = [render_segment(tag, elements, sc) for tag, elements in interchange_segments(spec, messages)]
    if charset.identifier == UPPER_CASE_ONLY:
        segments = [segment.upper() for segment in segments]
    if charset.identifier in REPERTOIRE_CHECKED:
        _check_repertoire(spec, segments, charset.invalid_pattern(sc.delimiters() + sc.decimal))
    separator = "\n" if spec.newline else ""
    text = separator.join(segments)
    if spec.include_una:
        text = sc.una() + separator + text
    try:
        return encode(text + separator, charset)
    except UnicodeEncodeError as exc:
        bad = exc.object[exc.start : exc.end]
        found = next((i for i, segment in enumerate(segments) if bad in segment), None)
        raise EdifactRenderError(
            f"{bad!r} cannot be encoded in {spec.syntax_id}",
            _segment_location(spec, segments, found),
            Code.INVALID_CHARACTERS,
        ) from None


def _check_repertoire(spec: InterchangeSpec, segments: list[str], invalid: re.Pattern[str] | None) -> None:
    if invalid is None:
        return
    for index, segment in enumerate(segments):
        found = invalid.search(segment)
        if found is not None:
            raise EdifactRenderError(
                f"{found.group()!r} is outside the {spec.syntax_id} character repertoire",
                _segment_location(spec, segments, index),
                Code.INVALID_CHARACTERS,
            )


def _segment_location(spec: InterchangeSpec, segments: list[str], index: int | None) -> Location:
    """Where the ``index``-th rendered segment is: its message and position from UNH, or the envelope."""
    if index is None:
        return Location(interchange_ref=spec.reference)
    sc = effective_chars(spec)
    tag = segments[index].split(sc.element, 1)[0]
    start = next((i for i in range(index, -1, -1) if segments[i].startswith("UNH" + sc.element)), None)
    if start is None or any(s.startswith("UNT" + sc.element) for s in segments[start:index]):
        return Location(interchange_ref=spec.reference, segment_tag=tag)
    reference = segments[start].split(sc.element)[1].split(sc.component)[0]
    return Location(
        interchange_ref=spec.reference,
        message_ref=reference,
        segment_position=index - start + 1,
        segment_tag=tag,
    )
