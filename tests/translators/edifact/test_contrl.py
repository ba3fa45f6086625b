"""CONTRL: generated for any interchange (accepted, message errors, envelope errors), read back into a
FunctionalAck, and reconciled against what was sent."""

from __future__ import annotations

import datetime as dt

from translators.canonical import AckLevelStatus
from translators.edifact.contrl import Outcome, reconcile, render_contrl
from translators.edifact.translate import translate

NOW = dt.datetime(2024, 3, 4, 5, 6)
GOOD = (
    b"UNA:+.? 'UNB+UNOC:3+BUYER:14+SUPPLIER:14+240304:0506+IC1'"
    b"UNH+M1+ORDERS:D:96A:UN'BGM+220+PO1+9'DTM+137:20240304:102'LIN+1++4000862141404:EN'QTY+21:5'UNT+6+M1'"
    b"UNH+M2+ORDERS:D:96A:UN'BGM+220+PO2+9'DTM+137:20240304:102'LIN+1++4000862141404:EN'UNT+5+M2'"
    b"UNZ+2+IC1'"
)


def contrl_for(data: bytes) -> tuple[bytes, object]:
    result = translate(data).interchanges[0]
    return render_contrl(result.ack, result.header, reference="C1", message_ref="1", now=NOW), result


def test_message_level_errors_are_reported_in_ucm_ucs() -> None:
    data, _ = contrl_for(GOOD)
    text = data.decode()
    assert "UNB+UNOC:3+SUPPLIER:14+BUYER:14+240304:0506+C1'" in text
    assert "UNH+1+CONTRL:D:3:UN'UCI+IC1+BUYER:14+SUPPLIER:14+7'" in text
    assert "UCM+M1+ORDERS:D:96A:UN+7'" in text
    assert "UCM+M2+ORDERS:D:96A:UN+4'UCS+4+13'" in text


def test_unt_count_error_goes_in_ucm_with_tag_and_element() -> None:
    data, _ = contrl_for(GOOD.replace(b"UNT+6+M1", b"UNT+9+M1"))
    assert b"UCM+M1+ORDERS:D:96A:UN+4+29+UNT+1'" in data


def test_envelope_error_rejects_at_uci() -> None:
    data, _ = contrl_for(GOOD.replace(b"UNZ+2+IC1", b"UNZ+2+IC9"))
    assert b"UCI+IC1+BUYER:14+SUPPLIER:14+4+28+UNZ+2'" in data


def test_generated_contrl_reads_back_as_the_same_functional_ack() -> None:
    data, result = contrl_for(GOOD)
    (message,) = translate(data).interchanges[0].messages
    assert message.document == result.ack  # type: ignore[attr-defined]


def test_reconcile_explicit_and_implicit_acceptance() -> None:
    data, _ = contrl_for(GOOD)
    ack = translate(data).documents()[0]
    report = reconcile(ack, "IC1", [("M1", "ORDERS"), ("M2", "ORDERS"), ("M3", "ORDERS")])  # type: ignore[arg-type]
    assert report.matches
    outcomes = {m.reference: m.outcome for m in report.messages}
    assert outcomes == {"M1": Outcome.ACCEPTED, "M2": Outcome.REJECTED, "M3": Outcome.ACCEPTED}
    assert report.messages[1].error_codes == ()


def test_reconcile_received_only_and_wrong_interchange() -> None:
    received = (
        b"UNB+UNOB+R:1:ZZUK+S:14:ZZUK+210922:1220+1'UNH+2+CONTRL:4:1:UN'"
        b"UCI+131+S:14:ZZUK+R:1:ZZUK+8'UNT+3+2'UNZ+1+1'"
    )
    ack = translate(received).documents()[0]
    assert ack.interchange_status is AckLevelStatus.RECEIVED  # type: ignore[union-attr]
    report = reconcile(ack, "999", [("1", "ORDERS")])  # type: ignore[arg-type]
    assert not report.matches
    assert report.messages[0].outcome is Outcome.RECEIVED
