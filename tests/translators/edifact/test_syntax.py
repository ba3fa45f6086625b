"""Tokeniser and envelope: UNA variants, release characters, syntax 4 repetitions, character sets,
streaming, control counts and references, hard limits."""

from __future__ import annotations

import io

import pytest

from translators.edifact.envelope import EnvelopeReader, read_interchanges
from translators.edifact.errors import (
    CharacterSetError,
    Code,
    EdifactEnvelopeError,
    EdifactLimitError,
    ServiceStringAdviceError,
)
from translators.edifact.stream import SegmentStream
from translators.edifact.syntax import DEFAULT_LIMITS, Limits

BASIC = (
    b"UNB+UNOA:3+SENDER:14+RECEIVER:14+200101:1200+REF1'"
    b"UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+3+1'"
    b"UNZ+1+REF1'"
)


def segments(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[tuple[str, list[list[str]]]]:
    stream = SegmentStream(data, limits)
    unb = stream.open()
    return [(unb.tag, unb.elements)] + [(s.tag, s.elements) for s in stream.segments()]


def test_default_service_characters_without_una() -> None:
    tokens = segments(BASIC)
    assert [t for t, _ in tokens] == ["UNB", "UNH", "BGM", "UNT", "UNZ"]
    assert tokens[2][1] == [["220"], ["PO1"], ["9"]]


def test_custom_una_and_newlines_between_segments() -> None:
    data = (
        b"UNA^*.? $\r\nUNB*UNOA^3*S*R*200101^1200*9$\r\n"
        b"UNH*1*ORDERS^D^96A^UN$\r\nBGM*220*PO^X$\r\nUNT*3*1$\r\nUNZ*1*9$\r\n"
    )
    tokens = segments(data)
    assert tokens[2] == ("BGM", [["220"], ["PO", "X"]])


def test_hard_wrapped_lines_are_ignored() -> None:
    data = b"UNA:+.? 'UNB+UNOA:3+S+R+200101:1200+9'UN\nH+1+ORD\r\nERS:D:96A:UN'UNT+2+1'UNZ+1+9'"
    assert segments(data)[1] == ("UNH", [["1"], ["ORDERS", "D", "96A", "UN"]])


def test_release_character_escapes_every_service_character() -> None:
    data = b"UNB+UNOA:3+S+R+200101:1200+9'UNH+1+X:D:96A:UN'FTX+AAI+++A?+B?:C???'D?'E'UNT+3+1'UNZ+1+9'"
    tokens = segments(data)
    assert tokens[2] == ("FTX", [["AAI"], [""], [""], ["A+B:C?'D'E"]])


def test_release_at_chunk_boundary_streams_correctly() -> None:
    body = b"".join(b"FTX+AAI+++LINE?'" + str(i).encode() + b"'" for i in range(500))
    data = b"UNB+UNOA:3+S+R+200101:1200+9'UNH+1+X:D:96A:UN'" + body + b"UNT+502+1'UNZ+1+9'"
    tokens = segments(data, Limits(chunk_bytes=7))
    values = [e[3][0] for t, e in tokens if t == "FTX"]
    assert values == [f"LINE'{i}" for i in range(500)]


def test_syntax4_repetition_separator_default_and_una() -> None:
    data = b"UNB+UNOA:4+S+R+20200101:1200+9'UNH+1+X:D:03B:UN'COM+A:TE*B:FX'UNT+3+1'UNZ+1+9'"
    stream = SegmentStream(data, DEFAULT_LIMITS)
    stream.open()
    com = next(s for s in stream.segments() if s.tag == "COM")
    assert com.occurrences(1) == [["A", "TE"], ["B", "FX"]]


def test_asterisk_is_data_below_syntax4() -> None:
    data = b"UNA:+.?*'UNB+UNOA:3+S+R+200101:1200+9'UNH+1+X:D:96A:UN'FTX+A+++X*Y'UNT+3+1'UNZ+1+9'"
    assert segments(data)[2][1][3] == ["X*Y"]


@pytest.mark.parametrize(
    ("syntax", "raw", "text"),
    [
        (b"UNOC", "Müller".encode("latin-1"), "Müller"),
        (b"UNOY", "Müller 東京".encode(), "Müller 東京"),
        (b"UNOW", "Øre".encode(), "Øre"),
        (b"UNOD", "Łódź".encode("iso8859-2"), "Łódź"),
    ],
)
def test_character_sets_decode_as_declared(syntax: bytes, raw: bytes, text: str) -> None:
    data = b"UNB+" + syntax + b":3+S+R+200101:1200+9'UNH+1+X:D:96A:UN'NAD+BY+++" + raw + b"'UNT+3+1'UNZ+1+9'"
    assert segments(data)[2][1][3] == [text]


def test_invalid_utf8_is_a_located_character_set_error() -> None:
    data = b"UNB+UNOY:4+S+R+20200101:1200+9'UNH+1+X:D:96A:UN'NAD+BY+++\xff'UNT+3+1'UNZ+1+9'"
    with pytest.raises(CharacterSetError) as caught:
        segments(data)
    assert caught.value.code == Code.INVALID_CHARACTERS
    assert caught.value.location.byte_offset is not None


def test_unoa_repertoire_warns_and_strict_mode_rejects() -> None:
    data = b"UNB+UNOA:3+S+R+200101:1200+9'UNH+1+X:D:96A:UN'FTX+A+++lower'UNT+3+1'UNZ+1+9'"
    reader = EnvelopeReader(data)
    (message,) = list(reader)
    assert not message.errors
    assert message.warnings[0].code == Code.INVALID_CHARACTERS
    strict = list(EnvelopeReader(data, strict_charset=True))
    assert strict[0].errors[0].location.segment_tag == "FTX"


@pytest.mark.parametrize("char", [b"\x07", b"\x7f", b"\x85"])
def test_unoc_control_characters_warn_in_otherwise_printable_data(char: bytes) -> None:
    data = b"UNB+UNOC:3+S+R+200101:1200+9'UNH+1+X:D:96A:UN'FTX+A+++ok" + char + b"'UNT+3+1'UNZ+1+9'"
    (message,) = list(EnvelopeReader(data))
    assert [w.location.segment_tag for w in message.warnings] == ["FTX"]
    (clean,) = list(EnvelopeReader(data.replace(char, b"")))
    assert not clean.warnings


def test_stream_input_reads_in_bounded_chunks() -> None:
    summaries, messages = read_interchanges(io.BytesIO(BASIC), Limits(chunk_bytes=5))
    assert summaries[0].header.reference == "REF1"
    assert messages[0].header.type == "ORDERS"


def test_unt_count_and_reference_mismatch_are_located() -> None:
    data = BASIC.replace(b"UNT+3+1", b"UNT+4+2")
    (message,) = list(EnvelopeReader(data))
    codes = {e.code for e in message.errors}
    assert codes == {Code.CONTROL_COUNT_MISMATCH, Code.REFERENCES_DO_NOT_MATCH}
    assert message.errors[0].location.message_ref == "1"
    assert message.errors[0].location.segment_position == 3


def test_unz_count_and_missing_trailer() -> None:
    reader = EnvelopeReader(BASIC.replace(b"UNZ+1", b"UNZ+2"))
    list(reader)
    assert reader.interchanges[0].errors[0].code == Code.CONTROL_COUNT_MISMATCH
    reader = EnvelopeReader(BASIC[: BASIC.index(b"UNZ")])
    list(reader)
    assert reader.interchanges[0].errors[0].code == Code.MISSING
    assert reader.interchanges[0].errors[0].location.segment_tag == "UNZ"


def test_groups_are_counted_and_references_checked() -> None:
    data = (
        b"UNB+UNOA:3+S+R+200101:1200+9'UNG+ORDERS+S+R+200101:1200+G1+UN+D:96A'"
        b"UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNH+2+ORDERS:D:96A:UN'UNT+2+2'UNE+2+G1'UNZ+1+9'"
    )
    summaries, messages = read_interchanges(data)
    assert summaries[0].groups[0].message_count == 2
    assert messages[1].group is not None
    reader = EnvelopeReader(data.replace(b"UNE+2+G1", b"UNE+1+G2"))
    list(reader)
    assert {e.code for e in reader.interchanges[0].groups[0].errors} == {"29", "28"}


def test_missing_unb_and_bad_una_raise() -> None:
    with pytest.raises(EdifactEnvelopeError) as caught:
        list(EnvelopeReader(b"UNH+1+ORDERS:D:96A:UN'UNT+2+1'"))
    assert caught.value.code == Code.MISSING
    with pytest.raises(ServiceStringAdviceError):
        list(EnvelopeReader(b"UNA::.? 'UNB+UNOA:3+S+R+1:1+9'"))


def test_unsupported_syntax_version_is_reported() -> None:
    reader = EnvelopeReader(BASIC.replace(b"UNOA:3", b"UNOA:9"))
    list(reader)
    assert reader.interchanges[0].errors[0].code == Code.SYNTAX_VERSION_NOT_SUPPORTED


def test_segment_limit_is_enforced() -> None:
    with pytest.raises(EdifactLimitError):
        list(EnvelopeReader(BASIC.replace(b"PO1", b"P" * 200), Limits(max_segment_chars=100)))
    with pytest.raises(EdifactLimitError):
        list(EnvelopeReader(BASIC, Limits(max_interchange_bytes=50, chunk_bytes=16)))


def test_concatenated_interchanges_each_with_una() -> None:
    first = b"UNA:+.? 'UNB+UNOC:3+S+R+240101:1200+A1'UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+A1'\r\n"
    second = first.replace(b"A1", b"A2")
    summaries, messages = read_interchanges(first + second)
    assert [s.header.reference for s in summaries] == ["A1", "A2"]
    assert all(s.complete and not s.errors for s in summaries)
    assert len(messages) == 2


def test_concatenated_interchange_with_other_service_characters_is_refused() -> None:
    first = b"UNA:+.? 'UNB+UNOC:3+S+R+240101:1200+A1'UNH+1+X:D:96A:UN'UNT+2+1'UNZ+1+A1'"
    second = b"UNA^*.? 'UNB*UNOC^3*S*R*240101^1200*A2'UNH*1*X^D^96A^UN'UNT*2*1'UNZ*1*A2'"
    with pytest.raises(ServiceStringAdviceError):
        read_interchanges(first + second)


def test_segment_after_unz_is_located() -> None:
    with pytest.raises(EdifactEnvelopeError) as caught:
        read_interchanges(BASIC + b"BGM+220+X'")
    assert caught.value.location.segment_tag == "BGM"


def test_message_cut_short_by_the_next_interchange_belongs_to_its_own() -> None:
    from translators.edifact.translate import translate

    first = b"UNB+UNOC:3+S+R+240101:1200+A1'UNH+1+ORDERS:D:96A:UN'BGM+220+P1+9'"
    second = (
        b"UNB+UNOC:3+S+R+240101:1200+A2'UNH+1+ORDERS:D:96A:UN'BGM+220+P2+9'DTM+137:20240101:102'"
        b"UNT+4+1'UNZ+1+A2'"
    )
    result = translate(first + second)
    one, two = result.interchanges
    assert [m.header.reference for m in one.messages] == ["1"]
    assert one.messages[0].errors[0].code == Code.MISSING
    assert {e.location.segment_tag for e in one.errors} == {"UNZ"}
    assert two.accepted and two.documents()[0].po_number == "P2"  # type: ignore[union-attr]


def test_references_longer_than_14_characters_are_rejected() -> None:
    reader = EnvelopeReader(BASIC.replace(b"REF1", b"R" * 15))
    (message,) = list(reader)
    assert reader.interchanges[0].errors[0].code == Code.ELEMENT_TOO_LONG
    long_message = BASIC.replace(b"UNH+1+", b"UNH+" + b"M" * 15 + b"+").replace(
        b"UNT+3+1", b"UNT+3+" + b"M" * 15
    )
    (message,) = list(EnvelopeReader(long_message))
    assert [e.code for e in message.errors] == [Code.ELEMENT_TOO_LONG]
