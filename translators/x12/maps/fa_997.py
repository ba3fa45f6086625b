"""X12 997 Functional Acknowledgment and 999 Implementation Acknowledgment <-> canonical FunctionalAck.

Both share AK1/AK2/AK9; a 997 reports segment and element errors in AK3/AK4 and the set status in AK5,
a 999 in IK3/IK4 (with CTX context) and IK5. Reading accepts either; writing picks by ``kind``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from translators.canonical import (
    AckLevelStatus,
    ElementNote,
    Extension,
    FunctionalAck,
    GroupAck,
    MessageAck,
    SegmentNote,
)
from translators.x12.maps.code_tables import ACK_LEVEL
from translators.x12.maps.context import Reader, el
from translators.x12.maps.segments import Segment
from translators.x12.render import COMPONENT_MARK

AK1_FUNCTIONAL_ID, AK1_CONTROL, AK1_VERSION = 1, 2, 3
AK2_SET_ID, AK2_CONTROL, AK2_IMPLEMENTATION = 1, 2, 3
AK3_TAG, AK3_POSITION, AK3_LOOP, AK3_CODE = 1, 2, 3, 4
AK4_POSITION, AK4_REFERENCE, AK4_CODE, AK4_BAD_VALUE = 1, 2, 3, 4
AK5_STATUS, AK5_FIRST_CODE = 1, 2
AK9_STATUS, AK9_INCLUDED, AK9_RECEIVED, AK9_ACCEPTED, AK9_FIRST_CODE = 1, 2, 3, 4, 5
POSITION_ELEMENT, POSITION_COMPONENT, POSITION_REPETITION = 0, 1, 2
CTX_ELEMENT_JOIN, CTX_COMPONENT_JOIN, CTX_REPETITION_JOIN = "*", ":", "^"
SEGMENT_TAGS, ELEMENT_TAGS, SET_STATUS_TAGS = ("AK3", "IK3"), ("AK4", "IK4"), ("AK5", "IK5")


@dataclass(slots=True)
class SetDraft:
    ak2: Segment
    segments: list[SegmentNote] = field(default_factory=list)
    current: Segment | None = None
    context: list[str] = field(default_factory=list)
    elements: list[ElementNote] = field(default_factory=list)
    status: Segment | None = None

    def close_segment(self, r: Reader) -> None:
        if self.current is not None:
            s = self.current
            self.segments.append(
                SegmentNote(
                    tag=el(s, AK3_TAG),
                    position=r.integer(s, AK3_POSITION) or 0,
                    loop_id=r.text(s, AK3_LOOP),
                    code=r.text(s, AK3_CODE),
                    context=tuple(self.context),
                    elements=tuple(self.elements),
                )
            )
        self.current, self.context, self.elements = None, [], []


class FunctionalAckReader:
    def __init__(self, r: Reader) -> None:
        self.r = r
        self.ak1: Segment | None = None
        self.ak9: Segment | None = None
        self.sets: list[MessageAck] = []
        self.draft: SetDraft | None = None
        self.extensions: list[Extension] = []

    def read(self, segments: Iterable[Segment]) -> FunctionalAck | None:
        r = self.r
        for segment in segments:
            r.position += 1
            self.feed(segment)
        self.close_set()
        return self.build()

    def feed(self, segment: Segment) -> None:
        tag, draft = segment[0], self.draft
        if tag == "AK1":
            self.ak1 = segment
        elif tag == "AK2":
            self.close_set()
            self.draft = SetDraft(segment)
        elif tag == "AK9":
            self.close_set()
            self.ak9 = segment
        elif draft is not None and tag in SEGMENT_TAGS:
            draft.close_segment(self.r)
            draft.current = segment
        elif draft is not None and tag in ELEMENT_TAGS:
            draft.elements.append(self.element_note(segment))
        elif draft is not None and tag == "CTX":
            draft.context.append(self.context(segment))
        elif draft is not None and tag in SET_STATUS_TAGS:
            draft.close_segment(self.r)
            draft.status = segment
        else:
            self.extensions.append(self.r.extension(segment))

    def context(self, segment: Segment) -> str:
        d = self.r.delimiters
        text = CTX_ELEMENT_JOIN.join(segment[1:]).replace(d.component, CTX_COMPONENT_JOIN)
        return text.replace(d.repetition, CTX_REPETITION_JOIN) if d.repetition else text

    def element_note(self, segment: Segment) -> ElementNote:
        r = self.r
        parts = r.components(el(segment, AK4_POSITION))
        numbers = [int(p) if p.isdigit() else None for p in parts] + [None, None]
        if numbers[POSITION_ELEMENT] is None:
            r.integer(["AK4", parts[0]], 1)
        return ElementNote(
            position=numbers[POSITION_ELEMENT] or 0,
            component=numbers[POSITION_COMPONENT],
            repetition=numbers[POSITION_REPETITION],
            reference_number=r.text(segment, AK4_REFERENCE),
            code=el(segment, AK4_CODE),
            bad_value=r.text(segment, AK4_BAD_VALUE),
        )

    def close_set(self) -> None:
        draft = self.draft
        if draft is None:
            return
        draft.close_segment(self.r)
        status_segment = draft.status or ["AK5"]
        status, code = ACK_LEVEL.read(el(status_segment, AK5_STATUS))
        self.sets.append(
            MessageAck(
                message_type=el(draft.ak2, AK2_SET_ID),
                control_number=el(draft.ak2, AK2_CONTROL),
                implementation_ref=self.r.text(draft.ak2, AK2_IMPLEMENTATION),
                status=status,
                status_code=code,
                error_codes=tuple(e for e in status_segment[AK5_FIRST_CODE:] if e),
                segments=tuple(draft.segments),
            )
        )
        self.draft = None

    def build(self) -> FunctionalAck | None:
        ak1, ak9, r = self.ak1, self.ak9, self.r
        if ak1 is None or ak9 is None:
            return None
        status, code = ACK_LEVEL.read(el(ak9, AK9_STATUS))
        group = GroupAck(
            functional_id=el(ak1, AK1_FUNCTIONAL_ID),
            control_number=el(ak1, AK1_CONTROL),
            version=r.text(ak1, AK1_VERSION),
            status=status,
            status_code=code,
            sets_included=r.integer(ak9, AK9_INCLUDED),
            sets_received=r.integer(ak9, AK9_RECEIVED),
            sets_accepted=r.integer(ak9, AK9_ACCEPTED),
            error_codes=tuple(e for e in ak9[AK9_FIRST_CODE:] if e),
            messages=tuple(self.sets),
        )
        return FunctionalAck(groups=(group,), extensions=tuple(self.extensions))


def read_997(r: Reader, segments: Iterable[Segment]) -> FunctionalAck | None:
    return FunctionalAckReader(r).read(segments)


def write_group_ack(group: GroupAck, kind: str) -> list[Segment]:
    """The body of one 997 (``kind`` "997") or 999 set acknowledging ``group``."""
    prefix = "AK" if kind == "997" else "IK"
    segments = [["AK1", group.functional_id or "", group.control_number or "", group.version or ""]]
    if kind == "997":
        segments[0] = segments[0][:3]
    for message in group.messages:
        segments += _write_message(message, prefix, kind)
    counts = [group.sets_included, group.sets_received, group.sets_accepted]
    ak9_status = ACK_LEVEL.code(group.status, group.status_code) or "R"
    segments.append(
        ["AK9", ak9_status, *(str(c if c is not None else 0) for c in counts), *group.error_codes]
    )
    return segments


def _write_message(message: MessageAck, prefix: str, kind: str) -> list[Segment]:
    ak2 = ["AK2", message.message_type, message.control_number]
    segments = [ak2 + ([message.implementation_ref] if message.implementation_ref and kind == "999" else [])]
    for note in message.segments:
        segments.append([f"{prefix}3", note.tag, str(note.position), note.loop_id or "", note.code or ""])
        segments += [["CTX", *_context(text)] for text in note.context] if kind == "999" else []
        segments += [_write_element(e, prefix) for e in note.elements]
    status = ACK_LEVEL.code(message.status, message.status_code) or "R"
    return [*segments, [f"{prefix}5", status, *message.error_codes]]


def _context(text: str) -> list[str]:
    return [e.replace(CTX_COMPONENT_JOIN, COMPONENT_MARK) for e in text.split(CTX_ELEMENT_JOIN)]


def _write_element(e: ElementNote, prefix: str) -> Segment:
    position = [str(e.position)]
    if e.component is not None or e.repetition is not None:
        position += [str(e.component) if e.component is not None else ""]
    if e.repetition is not None:
        position += [str(e.repetition)]
    return [f"{prefix}4", COMPONENT_MARK.join(position), e.reference_number or "", e.code, e.bad_value or ""]


TA1_CONTROL, TA1_ACK_CODE, TA1_NOTE = 1, 4, 5
TA1_NO_ERROR = "000"


def read_ta1(elements: tuple[str, ...]) -> FunctionalAck:
    """A received TA1 (its elements after the tag) as the interchange part of a FunctionalAck."""
    segment = ["TA1", *elements]
    status, code = ACK_LEVEL.read(el(segment, TA1_ACK_CODE))
    note = el(segment, TA1_NOTE)
    return FunctionalAck(
        interchange_ref=el(segment, TA1_CONTROL),
        interchange_status=status if code is None else AckLevelStatus.OTHER,
        interchange_error_codes=(note,) if note and note != TA1_NO_ERROR else (),
    )
