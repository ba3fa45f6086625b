"""Lexer: separators come from the fixed-width ISA, never from guessing; streaming gives the same segments."""

from __future__ import annotations

import io

import pytest

from translators.errors import EnvelopeError, LimitExceededError
from translators.options import Limits
from translators.x12.lexer import SegmentReader, read_delimiters

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*260301*1200*^*00501*000000007*0*T*:~"
)
BODY = (
    "GS*PO*S*R*20260301*1200*7*X*005010~ST*850*0001~BEG*00*SA*PO-1**20260301~SE*3*0001~"
    "GE*1*7~IEA*1*000000007~"
)


def _interchange(element: str = "*", component: str = ":", segment: str = "~", suffix: str = "") -> bytes:
    text = (ISA + BODY).replace("*", "\x00").replace(":", "\x01").replace("~", "\x02")
    text = text.replace("\x00", element).replace("\x01", component).replace("\x02", segment + suffix)
    return text.encode()


def test_reads_separators_from_isa() -> None:
    delimiters, length = read_delimiters(_interchange())
    assert (delimiters.element, delimiters.component, delimiters.repetition, delimiters.segment) == (
        "*",
        ":",
        "^",
        "~",
    )
    assert length == 106


@pytest.mark.parametrize(
    ("element", "component", "segment", "suffix"),
    [
        ("*", ":", "~", ""),
        ("|", "\\", "\n", ""),
        ("~", ">", "*", "\r\n"),
        ("!", "`", "'", "\n"),
        ("\x1d", "\x1f", "\x1c", ""),
    ],
)
def test_odd_delimiters_give_the_same_segments(
    element: str, component: str, segment: str, suffix: str
) -> None:
    data = _interchange(element, component, segment, suffix)
    tags = [s[0] for s in SegmentReader(data)]
    assert tags == ["ISA", "GS", "ST", "BEG", "SE", "GE", "IEA"]


def test_streaming_in_tiny_chunks_matches_whole_buffer() -> None:
    data = b"\xef\xbb\xbf" + _interchange(suffix="\r\n") * 3
    whole = list(SegmentReader(data))
    chunked = list(SegmentReader(io.BytesIO(data), chunk_size=7))
    assert whole == chunked
    assert len(whole) == 21


def test_each_interchange_keeps_its_own_separators() -> None:
    data = _interchange() + b"\n" + _interchange("|", "^", "!")
    reader = SegmentReader(data)
    segments = list(reader)
    assert [s[0] for s in segments].count("ISA") == 2
    assert reader.delimiters is not None and reader.delimiters.element == "|"
    assert segments[-1] == ["IEA", "1", "000000007"]


def test_isa_inside_data_is_not_a_header() -> None:
    data = _interchange().replace(b"PO-1", b"ISA*00*X")
    beg = next(s for s in SegmentReader(data) if s[0] == "BEG")
    assert beg[3] == "ISA"


def test_short_isa_is_read_by_counting_separators() -> None:
    data = _interchange().replace(b"SENDER         ", b"SENDER")
    delimiters, length = read_delimiters(data)
    assert delimiters.component == ":" and length == 97


def test_garbage_instead_of_isa_is_refused() -> None:
    with pytest.raises(EnvelopeError) as info:
        list(SegmentReader(b"SA*00*" + _interchange()[6:]))
    assert info.value.code == "022"


def test_alphanumeric_terminator_is_refused() -> None:
    with pytest.raises(EnvelopeError) as info:
        read_delimiters(_interchange().replace(b":~GS", b":AGS"))
    assert info.value.code == "004"


def test_segment_length_limit() -> None:
    data = _interchange().replace(b"PO-1", b"P" * 5000)
    with pytest.raises(LimitExceededError):
        list(SegmentReader(data, Limits(max_segment_bytes=1000)))


def test_unterminated_stream_is_bounded() -> None:
    data = _interchange()[:200] + b"X" * 300_000
    with pytest.raises(LimitExceededError):
        list(SegmentReader(io.BytesIO(data), Limits(max_segment_bytes=1000), chunk_size=4096))
