"""Envelope records the reader fills in: one ``RawMessage`` per UNH..UNT, group and interchange summaries
with the located errors that belong to each level (CONTRL UCM, UCF and UCI)."""

from __future__ import annotations

from dataclasses import dataclass, field

from translators.edifact.headers import GroupHeader, InterchangeHeader, MessageHeader
from translators.edifact.syntax import Segment
from translators.errors import Location, TranslatorError


@dataclass(slots=True)
class RawMessage:
    """One UNH..UNT message: its envelope context, every segment (UNH first) and its errors."""

    header: MessageHeader
    interchange: InterchangeHeader
    group: GroupSummary | None
    segments: list[Segment]
    errors: list[TranslatorError] = field(default_factory=list)
    warnings: list[TranslatorError] = field(default_factory=list)

    def position(self, segment: Segment) -> int:
        """1-based position of a segment counted from UNH (CONTRL UCS 0096)."""
        return segment.index - self.segments[0].index + 1

    def location(
        self, segment: Segment | None = None, element: int | None = None, component: int | None = None
    ) -> Location:
        return Location(
            interchange_ref=self.interchange.reference,
            group_ref=self.group.header.reference if self.group else None,
            message_ref=self.header.reference,
            segment_position=self.position(segment) if segment is not None else None,
            segment_tag=segment.tag if segment is not None else None,
            element_index=element,
            component_index=component,
        )

    @property
    def body(self) -> list[Segment]:
        """Segments between UNH and UNT."""
        end = -1 if self.segments[-1].tag == "UNT" else len(self.segments)
        return self.segments[1:end]


@dataclass(slots=True)
class GroupSummary:
    header: GroupHeader
    message_count: int = 0
    errors: list[TranslatorError] = field(default_factory=list)


@dataclass(slots=True)
class InterchangeSummary:
    """What the reader saw of one interchange: header, groups, message references, envelope errors."""

    header: InterchangeHeader
    groups: list[GroupSummary] = field(default_factory=list)
    message_refs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[TranslatorError] = field(default_factory=list)
    complete: bool = False

    def location(self, segment: Segment | None = None, element: int | None = None) -> Location:
        return Location(
            interchange_ref=self.header.reference,
            segment_position=segment.index if segment is not None else None,
            segment_tag=segment.tag if segment is not None else None,
            element_index=element,
        )
