"""The canonical functional acknowledgement (X12 997/999, EDIFACT CONTRL): which group and which
transaction sets/messages a partner accepted or rejected, down to the segment and element in error.
Error codes are the syntax's own (X12 AK3/AK4/AK5 or IK3/IK4/IK5, EDIFACT 0085)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from translators.canonical.common import SCHEMA_VERSION, CanonicalModel, Extension


class AckLevelStatus(StrEnum):
    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    PARTIALLY_ACCEPTED = "partially_accepted"
    REJECTED = "rejected"
    RECEIVED = "received"
    OTHER = "other"


class ElementNote(CanonicalModel):
    position: int
    component: int | None = None
    repetition: int | None = None
    reference_number: str | None = None
    code: str
    bad_value: str | None = None


class SegmentNote(CanonicalModel):
    tag: str
    position: int
    loop_id: str | None = None
    code: str | None = None
    context: tuple[str, ...] = ()
    elements: tuple[ElementNote, ...] = ()


class MessageAck(CanonicalModel):
    """The answer for one transaction set / message."""

    message_type: str
    control_number: str
    implementation_ref: str | None = None
    status: AckLevelStatus
    status_code: str | None = None
    error_codes: tuple[str, ...] = ()
    segments: tuple[SegmentNote, ...] = ()


class GroupAck(CanonicalModel):
    """The answer for one functional group (or, for EDIFACT without UNG, the interchange's messages)."""

    functional_id: str | None = None
    control_number: str | None = None
    version: str | None = None
    status: AckLevelStatus
    status_code: str | None = None
    sets_included: int | None = None
    sets_received: int | None = None
    sets_accepted: int | None = None
    error_codes: tuple[str, ...] = ()
    messages: tuple[MessageAck, ...] = ()


class FunctionalAck(CanonicalModel):
    kind: Literal["functional_ack"] = "functional_ack"
    schema_version: str = SCHEMA_VERSION
    interchange_ref: str | None = None
    interchange_status: AckLevelStatus | None = None
    interchange_error_codes: tuple[str, ...] = ()
    groups: tuple[GroupAck, ...] = ()
    extensions: tuple[Extension, ...] = ()
