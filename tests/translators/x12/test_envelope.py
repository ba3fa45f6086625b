"""Envelope: control numbers and counts checked, each problem located and carrying its ack code."""

from __future__ import annotations

import pytest

from translators.errors import EnvelopeError, TranslatorError
from translators.x12.envelope import (
    GroupEnd,
    InterchangeEnd,
    InterchangeStart,
    SetBody,
    SetEnd,
    iter_events,
)

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*260301*1200*U*00401*000000042*0*P*>~"
)


def _events(text: str) -> list[object]:
    events: list[object] = []
    for event in iter_events(text.encode()):
        if isinstance(event, SetBody):
            list(event.segments)
        events.append(event)
    return events


def _errors(events: list[object]) -> list[TranslatorError]:
    return [e for ev in events for e in getattr(ev, "errors", ())]


def _set(control: str, count: int = 3, trailer_control: str | None = None) -> str:
    return f"ST*850*{control}~BEG*00*SA*1**20260301~SE*{count}*{trailer_control or control}~"


def test_two_groups_three_sets_are_clean() -> None:
    text = (
        ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + _set("0002") + "GE*2*1~"
        "GS*PO*S*R*20260301*1200*2*X*004010~" + _set("0001") + "GE*1*2~IEA*2*000000042~"
    )
    events = _events(text)
    assert not _errors(events)
    assert sum(isinstance(e, SetEnd) for e in events) == 3
    assert isinstance(events[0], InterchangeStart) and events[0].header.sender_id == "SENDER"


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        (
            ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001", 4) + "GE*1*1~IEA*1*000000042~",
            SetEnd,
            "4",
        ),
        (
            ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001", 3, "0009") + "GE*1*1~IEA*1*000000042~",
            SetEnd,
            "3",
        ),
        (
            ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + "GE*2*1~IEA*1*000000042~",
            GroupEnd,
            "5",
        ),
        (
            ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + "GE*1*9~IEA*1*000000042~",
            GroupEnd,
            "4",
        ),
        (
            ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + "GE*1*1~IEA*3*000000042~",
            InterchangeEnd,
            "021",
        ),
        (
            ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + "GE*1*1~IEA*1*000000043~",
            InterchangeEnd,
            "001",
        ),
        (ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + "GE*1*1~", InterchangeEnd, "023"),
        (ISA + "GS*PO*S*R*20260301*1200*1*X*004010~" + _set("0001") + "IEA*1*000000042~", GroupEnd, "3"),
        (
            ISA
            + "GS*PO*S*R*20260301*1200*1*X*004010~ST*850*0001~BEG*00*SA*1**20260301~GE*1*1~IEA*1*000000042~",
            SetEnd,
            "2",
        ),
        (
            ISA
            + "GS*PO*S*R*20260301*1200*1*X*004010~"
            + _set("0001")
            + _set("0001")
            + "GE*2*1~IEA*1*000000042~",
            SetEnd,
            "23",
        ),
    ],
)
def test_trailer_problems_are_located_with_codes(text: str, kind: type, code: str) -> None:
    events = _events(text)
    found: list[TranslatorError] = [
        e for ev in events if isinstance(ev, kind) for e in getattr(ev, "errors", ())
    ]
    assert [e.code for e in found] == [code]
    assert found[0].location.interchange_ref == "000000042"


def test_set_outside_group_is_fatal() -> None:
    with pytest.raises(EnvelopeError) as info:
        _events(ISA + _set("0001") + "IEA*0*000000042~")
    assert info.value.code == "024"


def test_isa_field_errors_use_ta1_codes() -> None:
    bad = ISA.replace("*260301*", "*2603XX*").replace("*P*>", "*Q*>")
    events = _events(bad + "IEA*0*000000042~")
    assert sorted(e.code or "" for e in _errors(events)) == ["014", "020"]
