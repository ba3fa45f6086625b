"""Fuzz: whatever bytes come in, the lexer, envelope and translation raise only the package's own errors."""

from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translators.api import translate_inbound
from translators.errors import TranslatorError
from translators.options import InboundOptions, Limits
from translators.x12.envelope import SetBody, iter_events

SEED = (
    b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    b"*260301*1200*^*00501*000000001*0*P*:~\n"
    b"GS*PO*SENDER*RECEIVER*20260301*1200*1*X*005010~\nST*850*0001~\nBEG*00*SA*PO1**20260301~\n"
    b"N1*ST*NAME*92*123~\nPO1*1*10*EA*1.5**BP*X~\nPID*F****THING~\nCTT*1~\nSE*7*0001~\n"
    b"ST*856*0002~\nBSN*00*SHIP*20260301*1200*0001~\nHL*1**S~\nHL*2*1*O~\nPRF*PO1~\nHL*3*2*I~\nLIN**BP*X~\n"
    b"SN1**10*EA~\nSE*10*0002~\nGE*2*1~\nIEA*1*000000001~\n"
)
OPTIONS = InboundOptions(now=dt.datetime(2026, 3, 1), limits=Limits(max_segment_bytes=4096, max_elements=64))


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(SEED)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.sampled_from(b"*~:^>\n\r0A \x00\xff"))
        elif op == "delete" and data:
            del data[at : at + draw(st.integers(1, 20))]
        elif op == "insert":
            data[at:at] = draw(st.binary(max_size=20))
        elif op == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 120))]
    return bytes(data)


def _drain(data: bytes) -> None:
    for event in iter_events(data, OPTIONS.limits):
        if isinstance(event, SetBody):
            for _ in event.segments:
                pass


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated(), st.binary(max_size=400), st.binary(max_size=300).map(lambda b: SEED[:106] + b)))
def test_only_translator_errors_escape(data: bytes) -> None:
    with contextlib.suppress(TranslatorError):
        _drain(data)
    try:
        result = translate_inbound(data, OPTIONS)
    except TranslatorError:
        return
    for error in result.all_errors():
        assert isinstance(error, TranslatorError)
