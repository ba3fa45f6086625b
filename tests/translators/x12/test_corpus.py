"""Every X12 file of the shared real-world corpus (read in place): files marked ``parse`` translate with
clean envelopes, files marked ``reject`` are refused with located errors and a negative acknowledgement."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import require_available
from translators.api import translate_inbound
from translators.canonical import AckLevelStatus, FunctionalAck
from translators.errors import (
    ElementError,
    EnvelopeError,
    GroupError,
    LimitExceededError,
    SegmentError,
    TranslatorError,
)
from translators.options import InboundOptions
from translators.result import TranslationResult

SHARED = Path(__file__).resolve().parents[4] / "shared"
CORPUS = SHARED / "corpus"
NOW = dt.datetime(2026, 3, 1, 12, 0)

# Files whose envelope is sound but whose content breaks an element rule; the set is rejected in the 997.
KNOWN_CONTENT_ERRORS = {
    "x12/856_004010_x12parser_pipe_subsep.edi": "N402 holds the placeholder 'LOCSTATE' (ID of 2)",
    "x12/997_005010X230_staedi_repetition_separator.edi": (
        "AK302/AK304 hold repeated test strings instead of a segment position and an error code"
    ),
}


def _rows() -> list[dict[str, str]]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["syntax"] == "x12"]


ROWS = _rows()


def test_corpus_is_present() -> None:
    require_available(CORPUS.is_dir(), f"the shared EDI corpus is missing at {CORPUS}")
    assert ROWS, "MANIFEST.tsv lists no X12 files"


def _translate(row: dict[str, str]) -> TranslationResult:
    return translate_inbound((CORPUS / row["file"]).read_bytes(), InboundOptions(now=NOW))


def _translate_or_refuse(row: dict[str, str]) -> TranslationResult | TranslatorError:
    try:
        return _translate(row)
    except TranslatorError as exc:
        return exc


def _envelope_errors(result: TranslationResult) -> list[TranslatorError]:
    kinds = (EnvelopeError, GroupError, LimitExceededError)
    return [e for e in result.all_errors() if isinstance(e, kinds)]


@pytest.mark.parametrize("row", [r for r in ROWS if r["expect"] == "parse"], ids=lambda r: r["file"])
def test_parse_files_translate(row: dict[str, str]) -> None:
    result = _translate(row)
    assert not _envelope_errors(result), [str(e) for e in _envelope_errors(result)]
    messages = [m for i in result.interchanges for m in i.messages()]
    expected_types = set(row["message"].split("+")) - {"TA1"}
    assert {m.message_type for m in messages} == expected_types
    if row["message"] == "TA1":
        acks = [a for i in result.interchanges for a in i.received_acks]
        assert acks and all(a.interchange_ref and a.interchange_status for a in acks)
    for message in messages:
        if not message.supported:
            assert message.document is None and not message.errors
            continue
        assert message.document is not None, [str(e) for e in message.errors]
        if row["file"] not in KNOWN_CONTENT_ERRORS:
            assert not message.errors, [str(e) for e in message.errors]
        else:
            assert all(isinstance(e, SegmentError | ElementError) for e in message.errors)
    acked = [m for a in result.acks if a.functional_ack for g in a.functional_ack.groups for m in g.messages]
    assert len(acked) == len([m for m in messages if not m.message_type.startswith("99")])


@pytest.mark.parametrize("row", [r for r in ROWS if r["expect"] == "reject"], ids=lambda r: r["file"])
def test_reject_files_are_refused_with_located_errors(row: dict[str, str]) -> None:
    outcome = _translate_or_refuse(row)
    if isinstance(outcome, TranslatorError):
        assert outcome.code and str(outcome.location) != "unknown location"
        return
    result = outcome
    errors = result.all_errors()
    assert errors
    for error in errors:
        assert error.code, str(error)
        assert str(error.location) != "unknown location", str(error)
    acked_groups = [g for i in result.interchanges for g in i.groups if g.functional_id != "FA"]
    negative = [
        a
        for a in result.acks
        if a.kind == "TA1" or (a.functional_ack and not _all_accepted(a.functional_ack))
    ]
    assert negative or not acked_groups, "a rejected interchange must get a negative TA1/997/999"


def _all_accepted(ack: FunctionalAck) -> bool:
    return all(g.status is AckLevelStatus.ACCEPTED for g in ack.groups)
