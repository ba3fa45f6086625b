"""Errors of the translators package. Each carries where it happened and the code its syntax's
acknowledgement reports it with (X12 TA1/997/999, EDIFACT CONTRL), so a rejection is always located."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """Where a problem sits. Positions are 1-based; segment positions count from the set's ST/UNH."""

    interchange_ref: str | None = None
    group_ref: str | None = None
    message_ref: str | None = None
    segment_position: int | None = None
    segment_tag: str | None = None
    element_index: int | None = None
    component_index: int | None = None
    byte_offset: int | None = None

    def __str__(self) -> str:
        parts = [
            f"interchange {self.interchange_ref}" if self.interchange_ref else "",
            f"group {self.group_ref}" if self.group_ref else "",
            f"set {self.message_ref}" if self.message_ref else "",
            f"segment {self.segment_position}" if self.segment_position is not None else "",
            self.segment_tag or "",
            f"element {self.element_index}" if self.element_index is not None else "",
            f"component {self.component_index}" if self.component_index is not None else "",
            f"byte {self.byte_offset}" if self.byte_offset is not None else "",
        ]
        return ", ".join(p for p in parts if p) or "unknown location"


class TranslatorError(Exception):
    """Base of every error the translators raise; nothing else escapes their public functions.

    ``code`` is the acknowledgement code of the syntax that detected it (for X12 a TA1 note code, an
    AK3/IK3, AK4/IK4 or AK5/IK5 error code; for EDIFACT a CONTRL 0085 syntax error code) and ``level``
    says which acknowledgement segment reports it.
    """

    level = "interchange"

    def __init__(self, message: str, location: Location | None = None, code: str | None = None) -> None:
        self.message = message
        self.location = location or Location()
        self.code = code
        super().__init__(f"{message} ({self.location})" + (f" [code {code}]" if code else ""))


class EnvelopeError(TranslatorError):
    """Interchange or group envelope is unusable (X12 TA1 / AK9, EDIFACT UCI)."""


class SegmentError(TranslatorError):
    """A segment is missing, unexpected or malformed (X12 AK3/IK3, EDIFACT UCS)."""

    level = "segment"


class ElementError(TranslatorError):
    """An element or component is missing, too long, of the wrong type or code (X12 AK4/IK4, EDIFACT UCD)."""

    level = "element"


class MessageError(TranslatorError):
    """A whole transaction set / message is rejected (X12 AK5/IK5, EDIFACT UCM)."""

    level = "message"


class LimitExceededError(TranslatorError):
    """A hard limit (size, segment count, element length, loop depth) was exceeded."""


class RenderError(TranslatorError):
    """A canonical document cannot be expressed in the target syntax (missing mandatory data)."""


class GroupError(TranslatorError):
    """A functional group's envelope is wrong (X12 AK9 / 999 AK9 error code, EDIFACT UCF)."""

    level = "group"
