"""The throughput paths give the same results as the careful ones: the one-pass batch tokeniser against
the segment-by-segment loop, documents sharing repeated value objects against unshared ones, and documents
built without re-validation against what validating them makes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.translators.canonical.exact import assert_exactly_validated
from tests.translators.edifact import strategies
from tests.translators.edifact.test_roundtrip import SEED
from translators.canonical import CanonicalDocument, PurchaseOrder, Quantity
from translators.edifact.envelope import EnvelopeReader
from translators.edifact.headers import Party
from translators.edifact.lexer import MARK
from translators.edifact.maps.values import Kind
from translators.edifact.outbound import render_documents
from translators.edifact.render import InterchangeSpec
from translators.edifact.stream import SegmentStream
from translators.edifact.syntax import DEFAULT_CHARS, Limits, Segment, ServiceChars
from translators.edifact.translate import map_message, translate
from translators.errors import TranslatorError

NOW = dt.datetime(2024, 2, 29, 23, 59)

UNB = b"UNB+UNOC:3+S:14+R:14+240102:0304+REF'"
SYNTAX4 = DEFAULT_CHARS.with_repetition("*")

tags = st.sampled_from(["BGM", "LIN", "QTY", "UNA", "AB", "ABCD", " LIN", "UNH:1", "", "L\x011N"])
values = st.text(alphabet="AB1:+*. \x01\x0123", max_size=12)


def stream_for(chars: ServiceChars, limits: Limits) -> SegmentStream:
    stream = SegmentStream(b"", limits)
    stream.service_chars = chars
    stream._count = 7
    return stream


def outcome(run: object) -> object:
    try:
        segments = run()  # type: ignore[operator]
    except TranslatorError as exc:
        return (type(exc).__name__, str(exc))
    return [(s.tag, s.elements, s.index, s.repeats) for s in segments]


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.tuples(tags, values).map(lambda p: p[0] + "+" + p[1]), max_size=8),
    syntax4=st.booleans(),
    max_elements=st.integers(1, 4),
    max_chars=st.integers(4, 30),
)
def test_batch_tokeniser_matches_the_careful_loop(
    pieces: list[str], syntax4: bool, max_elements: int, max_chars: int
) -> None:
    chars = SYNTAX4 if syntax4 else DEFAULT_CHARS
    limits = Limits(max_elements=max_elements, max_segment_chars=max_chars)
    text = "'".join(pieces) + "'"
    fast, careful = stream_for(chars, limits), stream_for(chars, limits)
    assert outcome(lambda: fast._tokenize_batch(list(pieces), text)) == outcome(
        lambda: careful._tokenize_careful(list(pieces))
    )
    assert fast._count == careful._count


def test_marked_release_characters_come_back_on_the_fast_path() -> None:
    stream = stream_for(DEFAULT_CHARS, Limits())
    pieces = [f"IMD+F++:::A{MARK}1B{MARK}2C{MARK}0", "QTY+21:2"]
    [imd, qty] = stream._tokenize_batch(pieces, "'".join(pieces))
    assert imd.elements == [["F"], [""], ["", "", "", "A+B:C?"]]
    assert (qty.tag, qty.index) == ("QTY", 9)


def orders(reference: str, quantities: list[str]) -> bytes:
    lines = b"".join(
        f"LIN+{n}++4012345000{n:03d}:EN'QTY+21:{q}:PCE'DTM+2:20240201:102'PRI+AAA:12.50'".encode()
        for n, q in enumerate(quantities, 1)
    )
    body = b"BGM+220+PO" + reference.encode() + b"+9'DTM+137:20240102:102'CUX+2:EUR:9'" + lines + b"UNS+S'"
    count = body.count(b"'") + 2
    return b"UNH+" + reference.encode() + b"+ORDERS:D:96A:UN'" + body + f"UNT+{count}+{reference}'".encode()


def interchange(*messages: bytes) -> bytes:
    return UNB + b"".join(messages) + f"UNZ+{len(messages)}+REF'".encode()


def test_shared_values_give_the_documents_unshared_maps_give() -> None:
    data = interchange(orders("1", ["6", "6.0", "6"]), orders("2", ["6.0", "06", "6"]))
    shared = translate(data).documents()
    alone = tuple(map_message(m).document for m in EnvelopeReader(data))
    assert shared == alone
    first, second = shared
    assert isinstance(first, PurchaseOrder) and isinstance(second, PurchaseOrder)
    assert [str(line.quantity.value) for line in second.lines] == ["6.0", "6", "6"]
    assert first.lines[0].quantity is second.lines[2].quantity
    assert first.lines[1].quantity is second.lines[0].quantity
    assert first.lines[0].quantity is not first.lines[1].quantity
    assert first.lines[0].dates[0] is second.lines[1].dates[0]
    assert first.lines[0].unit_price is second.lines[0].unit_price


def test_a_repeated_nad_is_read_once_and_each_document_keeps_its_own_contacts() -> None:
    nad = b"NAD+BY+5412345000013::9++Buyer GmbH+Main St 1+Town++12345+DE'"

    def with_party(message: bytes, contact: bytes) -> bytes:
        message = message.replace(b"CUX+", nad + contact + b"CUX+")
        return re.sub(rb"UNT\+\d+", b"UNT+%d" % message.count(b"'"), message)

    first = with_party(orders("1", ["1"]), b"CTA+IC+:Anna'COM+0123:TE'")
    second = with_party(orders("2", ["2"]), b"CTA+IC+:Bert'")
    data = interchange(first, second)
    shared = translate(data)
    shared.raise_for_errors()
    alone = tuple(map_message(m).document for m in EnvelopeReader(data))
    assert shared.documents() == alone
    one, two = shared.documents()
    assert isinstance(one, PurchaseOrder) and isinstance(two, PurchaseOrder)
    assert [c.name for c in one.parties[0].contacts] == ["Anna"]
    assert [c.name for c in two.parties[0].contacts] == ["Bert"]
    assert one.parties[0].address == two.parties[0].address


def test_shared_values_stay_bounded() -> None:
    kind = Kind(limit=2)
    made = [Quantity.model_validate({"value": v, "unit": "PCE"}) for v in ("1", "2", "3")]
    for quantity in made:
        assert kind.keep(("21", str(quantity.value), "PCE"), quantity) is quantity
    assert list(kind.instances.values()) == made[:2]


def test_a_repeated_bad_value_is_reported_in_every_message() -> None:
    translation = translate(interchange(orders("1", ["6", "x"]), orders("2", ["x"])))
    first, second = translation.interchanges[0].messages
    assert [e.location.segment_position for e in first.errors] == [10]
    assert [e.location.segment_position for e in second.errors] == [6]
    assert all(m.document is None for m in (first, second))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(strategies.purchase_orders(), strategies.acknowledgements(), strategies.ship_notices()),
        min_size=1,
        max_size=3,
    )
)
def test_documents_are_exactly_what_validation_makes(documents: list[CanonicalDocument]) -> None:
    spec = InterchangeSpec(Party("SENDER", "14"), Party("RECEIVER", "ZZZ"), "42", NOW, "UNOY")
    translation = translate(render_documents(documents, spec))
    translation.raise_for_errors()
    assert translation.documents() == tuple(documents)
    for document in translation.documents():
        assert_exactly_validated(document)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(SEED)), st.binary(max_size=12))
def test_damaged_messages_give_exactly_validated_documents(cut: int, junk: bytes) -> None:
    try:
        translation = translate(SEED[:cut] + junk + SEED[cut:])
    except TranslatorError:
        return
    for interchange_result in translation.interchanges:
        for message in interchange_result.messages:
            if message.document is not None:
                assert_exactly_validated(message.document)


@pytest.mark.parametrize("limit", [1, 3])
def test_translation_with_tiny_share_limits_is_unchanged(limit: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from translators.edifact.maps import values as module

    data = interchange(orders("1", ["1", "2", "3"]), orders("2", ["3", "2", "1"]))
    expected = translate(data).documents()
    monkeypatch.setattr(module, "SHARED_PER_KIND", limit)
    monkeypatch.setattr(module.SharedValues.__init__, "__defaults__", (limit,))
    assert translate(data).documents() == expected


raw_segments = st.text(alphabet="AB1:+ ", max_size=16).map(lambda s: "QTY+" + s)


def unsplit(raw: str) -> Segment:
    """A segment as the tokeniser's fast path makes it (element strings kept, components split later)."""
    [segment] = stream_for(DEFAULT_CHARS, Limits())._tokenize_batch([raw], raw)
    assert segment._parts is not None
    return segment


@settings(max_examples=300, deadline=None)
@given(raw_segments, raw_segments)
def test_unsplit_segments_read_like_split_ones(raw: str, other: str) -> None:
    parts, other_parts = raw.split("+"), other.split("+")
    same = [p.split(":") for p in parts[1:2]] == [p.split(":") for p in other_parts[1:2]]
    assert (unsplit(raw).key(1) == unsplit(other).key(1)) == same
    lazy = unsplit(raw)
    split = Segment(parts[0], [p.split(":") for p in parts[1:]], 8)
    for element in range(1, len(parts) + 2):
        for component in range(1, 5):
            assert lazy.get(element, component) == split.get(element, component)
        assert lazy.components(element) == split.components(element)
        assert lazy.first_values(element) == split.first_values(element)
        assert lazy.key(element) == unsplit(raw).key(element)
    assert lazy.size() == split.size()
    assert (lazy.tag, lazy.index, lazy.repeats) == ("QTY", 8, None)
    assert lazy.elements == split.elements and lazy == split
    for element in range(-1, len(parts) + 2):
        for component in range(-1, 5):
            assert unsplit(raw).get(element, component) == split.get(element, component)
