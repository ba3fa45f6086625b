"""The run-at-a-time validator (``SetValidator.wrap_runs``) reports exactly what the segment-by-segment
one (``wrap``) reports, however the lexer cut the body into runs and wherever the reader stopped."""

from __future__ import annotations

from itertools import accumulate, islice, pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from translators.errors import TranslatorError
from translators.x12.envelope import GroupHeader, InterchangeHeader, SetHeader
from translators.x12.lexer import Delimiters
from translators.x12.validate import SetValidator

ISA = [
    "ISA",
    "00",
    "",
    "00",
    "",
    "ZZ",
    "S",
    "ZZ",
    "R",
    "260301",
    "0800",
    "U",
    "00401",
    "000000001",
    "0",
    "P",
    ">",
]
GS = ["GS", "PO", "S", "R", "20260301", "0800", "1", "X", "004010"]
TAGS = ["BEG", "PO1", "PID", "PO4", "DTM", "REF", "N1", "CTT", "HL", "SN1", "LIN", "ZZZ", "po1", "X", ""]
VALUES = st.sampled_from(["", "1", "00", "SA", "EA", "9.25", "-3", "1.2.3", "20260320", "20261340", "X" * 90])

segments = st.lists(
    st.builds(lambda tag, values: [tag, *values], st.sampled_from(TAGS), st.lists(VALUES, max_size=8)),
    max_size=40,
)


def header(set_id: str) -> SetHeader:
    interchange = InterchangeHeader.from_segment(ISA, Delimiters(), 0)
    return SetHeader(set_id, "0001", None, GroupHeader.from_segment(GS, interchange))


def outcome(errors: list[TranslatorError]) -> list[tuple[str, str, object]]:
    return [(type(e).__name__, str(e), e.code) for e in errors]


@settings(max_examples=300, deadline=None)
@given(
    body=segments,
    cuts=st.lists(st.integers(1, 7), max_size=12),
    stop=st.none() | st.integers(0, 40),
    set_id=st.sampled_from(["850", "856", "810"]),
)
def test_runs_report_what_the_segment_loop_reports(
    body: list[list[str]], cuts: list[int], stop: int | None, set_id: str
) -> None:
    bounds = [0, *(b for b in accumulate(cuts) if b < len(body)), len(body)]
    runs = [body[a:b] for a, b in pairwise(bounds) if b > a]
    careful, fast = SetValidator(header(set_id)), SetValidator(header(set_id))
    read_careful = list(islice(careful.wrap(iter(body)), stop))
    read_fast = list(islice(fast.wrap_runs(iter(runs)), stop))
    assert read_fast == read_careful
    assert outcome(fast.finish()) == outcome(careful.finish())
