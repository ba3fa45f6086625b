"""Property: canonical -> X12 -> canonical is the identity, in 004010 and 005010, with odd delimiters."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.api import render_outbound, translate_inbound
from translators.canonical import CanonicalDocument, FunctionalAck
from translators.options import InboundOptions, OutboundOptions, Separators
from translators.result import TranslationResult

from .strategies import FUNCTIONAL_ACKS, acknowledgements, purchase_orders, ship_notices

NOW = dt.datetime(2026, 3, 1, 9, 30)
SEPARATORS = st.sampled_from(
    [
        Separators(),
        Separators(element="|", component="\\", repetition="^", segment="\n", suffix=""),
        Separators(element="~", component="`", repetition="!", segment="'", suffix="\r\n"),
    ]
)
VERSIONS = st.sampled_from(["004010", "005010", "004010VICS"])
PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _round_trip(document: CanonicalDocument, version: str, separators: Separators) -> TranslationResult:
    options = OutboundOptions(
        syntax="x12",
        sender_id="SENDERID",
        receiver_id="RECEIVERID",
        interchange_control_number=123,
        group_control_number=45,
        message_control_number=6789,
        now=NOW,
        version=version,
        separators=separators,
    )
    data = render_outbound(document, options)
    assert render_outbound(document, options) == data
    return translate_inbound(data, InboundOptions(now=NOW))


def _assert_identity(document: CanonicalDocument, result: TranslationResult) -> None:
    assert not result.all_errors(), [str(e) for e in result.all_errors()]
    assert result.documents == (document,)


@PROFILE
@given(purchase_orders(), VERSIONS, SEPARATORS)
def test_purchase_order_round_trip(document: CanonicalDocument, version: str, separators: Separators) -> None:
    _assert_identity(document, _round_trip(document, version, separators))


@PROFILE
@given(acknowledgements(), VERSIONS, SEPARATORS)
def test_acknowledgement_round_trip(
    document: CanonicalDocument, version: str, separators: Separators
) -> None:
    _assert_identity(document, _round_trip(document, version, separators))


@PROFILE
@given(ship_notices(), VERSIONS, SEPARATORS)
def test_ship_notice_round_trip(document: CanonicalDocument, version: str, separators: Separators) -> None:
    _assert_identity(document, _round_trip(document, version, separators))


@PROFILE
@given(FUNCTIONAL_ACKS, SEPARATORS)
def test_999_round_trip(document: FunctionalAck, separators: Separators) -> None:
    _assert_identity(document, _round_trip(document, "005010", separators))
