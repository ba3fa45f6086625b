"""Options of the syntax-neutral entry points: hard limits, how to acknowledge inbound interchanges, and
the envelope of outbound ones. Everything that varies between runs (control numbers, ``now``) is here, so
the translators stay pure and deterministic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

Syntax = Literal["x12", "edifact"]
AckKind = Literal["auto", "997", "999", "none"]
Ta1Policy = Literal["on_error", "requested", "always", "never"]


class Readable(Protocol):
    """A binary stream: anything with ``read(size)`` returning bytes (b"" at the end)."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Hard limits; exceeding one raises LimitExceededError instead of consuming unbounded memory."""

    max_interchange_bytes: int = 512 * 1024 * 1024
    max_segments: int = 20_000_000
    max_segment_bytes: int = 64 * 1024
    max_elements: int = 512
    max_loop_depth: int = 32


@dataclass(frozen=True, slots=True)
class Separators:
    """Outbound separators. X12 uses element/component/repetition/segment (+ suffix written after each
    terminator, e.g. a line feed); EDIFACT also its decimal mark and release character."""

    element: str = "*"
    component: str = ">"
    repetition: str | None = "^"
    segment: str = "~"
    suffix: str = "\n"
    decimal: str = "."
    release: str | None = None


@dataclass(frozen=True, slots=True)
class InboundOptions:
    """How to translate and acknowledge inbound data. The ack's control numbers come from the caller."""

    now: dt.datetime
    ack_interchange_control_number: int = 1
    ack_group_control_number: int = 1
    ack_kind: AckKind = "auto"
    ta1: Ta1Policy = "on_error"
    separators: Separators | None = None
    limits: Limits = field(default_factory=Limits)

    def for_ack(self, index: int) -> InboundOptions:
        """The options for the ``index``-th acknowledgement of one translation (0-based): each ack is an
        interchange of its own and takes the next control numbers after the caller's first ones."""
        return replace(
            self,
            ack_interchange_control_number=self.ack_interchange_control_number + index,
            ack_group_control_number=self.ack_group_control_number + index,
        )


@dataclass(frozen=True, slots=True)
class OutboundOptions:
    """Envelope of an outbound interchange holding one document."""

    syntax: Syntax
    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    now: dt.datetime
    message_control_number: int = 1
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    version: str | None = None
    test: bool = False
    ack_requested: bool = False
    separators: Separators = field(default_factory=Separators)
    implementation_ref: str | None = None
    character_set: str | None = None
    """EDIFACT syntax identifier (UNB 0001: UNOA ... UNOY); UNOC when None. Ignored for X12."""
    syntax_version: str | None = None
    """EDIFACT syntax version (UNB 0002); when None, 4 for UNOW/UNOX/UNOY or a repetition separator,
    else 3. Ignored for X12."""
