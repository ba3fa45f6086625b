"""Rendering X12: segments -> bytes with the delimiters, version and control numbers given as arguments,
wrapped in ISA/GS/ST envelopes. Deterministic: the same arguments always give the same bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from translators.errors import Location, RenderError
from translators.x12.lexer import Delimiters

COMPONENT_MARK = "\x1f"
ISA_ID_WIDTH = 15
ISA_CONTROL_WIDTH = 9
ST_CONTROL_WIDTH = 4
FUNCTIONAL_IDS = {"850": "PO", "855": "PR", "856": "SH", "997": "FA", "999": "FA", "810": "IN"}
DEFAULT_DELIMITERS = Delimiters(element="*", component=">", repetition="^", segment="~", suffix="\n")


@dataclass(frozen=True, slots=True)
class EnvelopeOptions:
    """Who sends to whom, which version, which control numbers and when - all chosen by the caller."""

    sender_id: str
    receiver_id: str
    interchange_control_number: int
    group_control_number: int
    now: dt.datetime
    first_set_control_number: int = 1
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    version: str = "004010"
    usage: str = "P"
    ack_requested: bool = False
    delimiters: Delimiters = field(default=DEFAULT_DELIMITERS)
    application_sender: str | None = None
    application_receiver: str | None = None
    implementation_ref: str | None = None

    @property
    def isa_version(self) -> str:
        return self.version[:5] if len(self.version) >= 6 else self.version.rjust(5, "0")


def serialize(segments: Sequence[Sequence[str]], delimiters: Delimiters) -> str:
    """Segments as X12 text; trailing empty elements dropped; a value holding a delimiter is refused."""
    d = delimiters
    forbidden = (d.element, d.segment, d.component, *((d.repetition,) if d.repetition else ()))
    terminator = d.segment + d.suffix
    out = []
    for position, segment in enumerate(segments, start=1):
        values = list(segment)
        while len(values) > 1 and values[-1] == "":
            values.pop()
        for index, value in enumerate(values):
            if any(c in value for c in forbidden):
                location = Location(segment_position=position, segment_tag=values[0], element_index=index)
                raise RenderError(f"value {value[:30]!r} contains a delimiter", location)
        out.append(d.element.join(values).replace(COMPONENT_MARK, d.component) + terminator)
    return "".join(out)


def isa_segment(o: EnvelopeOptions) -> list[str]:
    if not 0 <= o.interchange_control_number < 10**ISA_CONTROL_WIDTH:
        raise RenderError("interchange control number must have at most 9 digits")
    if len(o.sender_id) > ISA_ID_WIDTH or len(o.receiver_id) > ISA_ID_WIDTH:
        raise RenderError("ISA sender/receiver ids are at most 15 characters")
    repetition = o.delimiters.repetition if o.isa_version >= "00402" and o.delimiters.repetition else "U"
    return [
        "ISA", "00", " " * 10, "00", " " * 10,
        o.sender_qualifier, o.sender_id.ljust(ISA_ID_WIDTH),
        o.receiver_qualifier, o.receiver_id.ljust(ISA_ID_WIDTH),
        o.now.strftime("%y%m%d"), o.now.strftime("%H%M"), repetition, o.isa_version,
        str(o.interchange_control_number).zfill(ISA_CONTROL_WIDTH), "1" if o.ack_requested else "0", o.usage,
        COMPONENT_MARK,
    ]  # fmt: skip


def gs_segment(o: EnvelopeOptions, functional_id: str) -> list[str]:
    return [
        "GS", functional_id, o.application_sender or o.sender_id, o.application_receiver or o.receiver_id,
        o.now.strftime("%Y%m%d"), o.now.strftime("%H%M"), str(o.group_control_number), "X", o.version,
    ]  # fmt: skip


def set_control(number: int) -> str:
    return str(number).zfill(ST_CONTROL_WIDTH)


def wrap_sets(sets: Sequence[tuple[str, list[list[str]]]], o: EnvelopeOptions) -> bytes:
    """One interchange with one group holding ``sets`` (set id, body segments), numbered from the options."""
    if not sets:
        raise RenderError("nothing to render")
    functional_ids = {FUNCTIONAL_IDS.get(set_id, "") for set_id, _ in sets}
    if len(functional_ids) != 1 or "" in functional_ids:
        raise RenderError("one group holds sets of one functional id")
    segments: list[list[str]] = [isa_segment(o), gs_segment(o, functional_ids.pop())]
    for offset, (set_id, body) in enumerate(sets):
        control = set_control(o.first_set_control_number + offset)
        st = ["ST", set_id, control] + ([o.implementation_ref] if o.implementation_ref else [])
        segments += [st, *body, ["SE", str(len(body) + 2), control]]
    segments += [["GE", str(len(sets)), str(o.group_control_number)], ["IEA", "1", segments[0][13]]]
    return _encode(segments, o.delimiters)


def wrap_ta1(ta1: list[str], o: EnvelopeOptions) -> bytes:
    """An interchange holding only a TA1 interchange acknowledgement."""
    return _encode(
        [isa_segment(o), ta1, ["IEA", "0", str(o.interchange_control_number).zfill(9)]], o.delimiters
    )


def _encode(segments: list[list[str]], delimiters: Delimiters) -> bytes:
    isa, rest = segments[0], segments[1:]
    d = delimiters
    head = d.element.join(isa).replace(COMPONENT_MARK, d.component) + d.segment + d.suffix
    return (head + serialize(rest, d)).encode("utf-8")
