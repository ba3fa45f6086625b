"""Rendering: release characters, trailing empties, syntax 4 dates and repetition, UNG groups, character
set encoding errors, directory arguments; output is deterministic."""

from __future__ import annotations

import datetime as dt

import pytest

from translators.edifact.envelope import read_interchanges
from translators.edifact.errors import EdifactRenderError
from translators.edifact.headers import Party
from translators.edifact.outbound import split_directory
from translators.edifact.render import (
    GroupSpec,
    InterchangeSpec,
    MessageSpec,
    SegmentSpec,
    escape,
    render_interchange,
    render_segment,
)
from translators.edifact.syntax import DEFAULT_CHARS, ServiceChars

NOW = dt.datetime(2024, 7, 8, 9, 10)
BODY: list[SegmentSpec] = [("FTX", ["AAI", None, None, ["a+b:c'd?e*f"]]), ("QTY", [["21", "5", ""]])]


def spec(**changes: object) -> InterchangeSpec:
    base: dict[str, object] = {
        "sender": Party("S", "14"),
        "recipient": Party("R"),
        "reference": "9",
        "now": NOW,
    }
    return InterchangeSpec(**{**base, **changes})  # type: ignore[arg-type]


def test_escape_releases_every_service_character() -> None:
    assert escape("a+b:c'd?e", DEFAULT_CHARS) == "a?+b?:c?'d??e"
    assert escape("x*y", DEFAULT_CHARS.with_repetition("*")) == "x?*y"


def test_trailing_empty_elements_and_components_are_dropped() -> None:
    assert render_segment("NAD", ["BY", ["1", "", ""], None, None], DEFAULT_CHARS) == "NAD+BY+1'"


def test_syntax3_interchange_with_group() -> None:
    group = GroupSpec("G1", "ORDERS", Party("S"), Party("R"))
    data = render_interchange(spec(group=group), [MessageSpec("1", "ORDERS", "D", "96A", BODY)])
    assert data.startswith(
        b"UNA:+.? 'UNB+UNOC:3+S:14+R+240708:0910+9'UNG+ORDERS+S+R+240708:0910+G1+UN+D:96A'"
    )
    assert data.endswith(b"UNT+4+1'UNE+1+G1'UNZ+1+9'")
    summaries, messages = read_interchanges(data)
    assert summaries[0].groups[0].message_count == 1
    assert messages[0].segments[1].get(4) == "a+b:c'd?e*f"


def test_syntax4_without_una_releases_the_default_repetition_separator() -> None:
    data = render_interchange(
        spec(syntax_id="UNOW", syntax_version="4", include_una=False),
        [MessageSpec("1", "X", "D", "01B", BODY)],
    )
    assert b"UNB+UNOW:4+S:14+R+20240708:0910+9'" in data
    assert b"a?+b?:c?'d??e?*f" in data
    assert read_interchanges(data)[1][0].segments[1].get(4) == "a+b:c'd?e*f"


def test_custom_service_characters_and_newlines() -> None:
    chars = ServiceChars("^", "*", ",", "!", " ", "~")
    data = render_interchange(
        spec(service_chars=chars, newline=True), [MessageSpec("7", "X", "D", "93A", BODY)]
    )
    assert data.startswith(b"UNA^*,! ~\nUNB*UNOC^3*S^14*R*240708^0910*9~\n")
    assert read_interchanges(data)[1][0].segments[1].get(4) == "a+b:c'd?e*f"


def test_text_outside_the_character_set_is_a_render_error() -> None:
    with pytest.raises(EdifactRenderError):
        render_interchange(
            spec(syntax_id="UNOA"), [MessageSpec("1", "X", "D", "96A", [("FTX", ["A", "", "", "é"])])]
        )


def test_rendering_is_deterministic() -> None:
    messages = [MessageSpec("1", "ORDERS", "D", "96A", BODY)]
    assert render_interchange(spec(), messages) == render_interchange(spec(), messages)


@pytest.mark.parametrize(
    ("given", "expected"), [("D96A", ("D", "96A")), ("d:01b", ("D", "01B")), ("93A", ("D", "93A"))]
)
def test_directory_arguments(given: str, expected: tuple[str, str]) -> None:
    assert split_directory(given) == expected


def test_bad_directory_is_a_render_error() -> None:
    with pytest.raises(EdifactRenderError):
        split_directory("latest")
