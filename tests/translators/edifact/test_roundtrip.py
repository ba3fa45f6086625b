"""Property tests: canonical -> EDIFACT (random service characters, UNOY, syntax 3 and 4) -> canonical is
the identity for every document EDIFACT carries; and arbitrary bytes never raise anything but a
``TranslatorError``."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.translators.edifact import strategies
from translators.canonical import CanonicalDocument
from translators.edifact.headers import Party
from translators.edifact.outbound import render_document
from translators.edifact.render import InterchangeSpec
from translators.edifact.syntax import ServiceChars
from translators.edifact.translate import translate
from translators.errors import TranslatorError

NOW = dt.datetime(2024, 2, 29, 23, 59)
DIRECTORIES = st.sampled_from(["D93A", "D96A", "D01B", "D03B"])


def round_trip(document: CanonicalDocument, chars: ServiceChars, version: str, directory: str) -> None:
    spec = InterchangeSpec(Party("SENDER", "14"), Party("RECEIVER", "ZZZ"), "42", NOW, "UNOY", version, chars)
    data = render_document(document, spec, message_ref="7", directory=directory)
    translation = translate(data)
    translation.raise_for_errors()
    assert translation.documents() == (document,)


@settings(max_examples=60, deadline=None)
@given(strategies.purchase_orders(), strategies.SERVICE_CHARS, st.sampled_from(["3", "4"]), DIRECTORIES)
def test_purchase_order_round_trip(doc: CanonicalDocument, chars: ServiceChars, version: str, d: str) -> None:
    round_trip(doc, chars, version, d)


@settings(max_examples=60, deadline=None)
@given(strategies.acknowledgements(), strategies.SERVICE_CHARS, st.sampled_from(["3", "4"]), DIRECTORIES)
def test_acknowledgement_round_trip(
    doc: CanonicalDocument, chars: ServiceChars, version: str, d: str
) -> None:
    round_trip(doc, chars, version, d)


@settings(max_examples=60, deadline=None)
@given(strategies.ship_notices(), strategies.SERVICE_CHARS, st.sampled_from(["3", "4"]), DIRECTORIES)
def test_ship_notice_round_trip(doc: CanonicalDocument, chars: ServiceChars, version: str, d: str) -> None:
    round_trip(doc, chars, version, d)


@settings(max_examples=60, deadline=None)
@given(strategies.functional_acks(), strategies.SERVICE_CHARS, st.sampled_from(["3", "4"]))
def test_functional_ack_round_trip(doc: CanonicalDocument, chars: ServiceChars, version: str) -> None:
    round_trip(doc, chars, version, "D96A")


SEED = (
    b"UNA:+.? 'UNB+UNOC:3+S:14+R:14+240101:1200+1'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'DTM+137:20240101:102'"
    b"NAD+BY+1::9'LIN+1++4000862141404:EN'QTY+21:5:PCE'PRI+AAA:1.5'UNS+S'CNT+2:1'UNT+10+1'UNZ+1+1'"
)


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=400)
    | st.builds(
        lambda cut, junk: SEED[:cut] + junk + SEED[cut:], st.integers(0, len(SEED)), st.binary(max_size=8)
    )
)
def test_fuzz_only_translator_errors_escape(data: bytes) -> None:
    try:
        translation = translate(data)
    except TranslatorError:
        return
    for interchange in translation.interchanges:
        for message in interchange.messages:
            assert all(isinstance(e, TranslatorError) for e in message.errors)
