"""Every EDIFACT file of the shared real-world corpus, read in place: ``parse`` rows must build their
envelope without error and name the message type the manifest says (mapped messages must map, or fail
with a located error); ``reject`` rows must fail with a located error and a negative CONTRL."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tests.conftest import SHARED, require_available
from translators.canonical import AckLevelStatus
from translators.edifact.contrl import render_contrl
from translators.edifact.translate import translate
from translators.errors import TranslatorError

CORPUS = SHARED / "corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"
MAPPED = {"ORDERS", "ORDRSP", "DESADV", "CONTRL"}


def rows() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return [r for r in csv.DictReader(handle, delimiter="\t") if r["syntax"] == "edifact"]


ROWS = rows()


def test_corpus_is_present_in_ci() -> None:
    require_available(ROWS, f"the shared EDI corpus is missing at {CORPUS}")
    assert len(ROWS) >= 10


def located(error: TranslatorError) -> bool:
    loc = error.location
    return error.code is not None and any(
        v is not None for v in (loc.interchange_ref, loc.segment_tag, loc.segment_position, loc.byte_offset)
    )


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_corpus_file(row: dict[str, str]) -> None:
    data = (CORPUS / row["file"]).read_bytes()
    if row["expect"] == "reject":
        assert_rejected(data)
    else:
        assert_parsed(data, row["message"])


def assert_parsed(data: bytes, message: str) -> None:
    translation = translate(data)
    interchange = translation.interchanges[0]
    assert interchange.errors == ()
    types = {m.header.type for m in interchange.messages}
    assert types == set(message.split("+"))
    for m in interchange.messages:
        assert all(located(e) for e in m.errors)
        if m.header.type in MAPPED and not m.errors:
            assert m.document is not None
        if m.header.type not in MAPPED:
            assert not m.supported and m.document is None and not m.errors


def assert_rejected(data: bytes) -> None:
    fatal: TranslatorError | None = None
    try:
        translation = translate(data)
    except TranslatorError as exc:
        fatal = exc
    if fatal is not None:
        assert located(fatal)
        return
    errors = translation.errors()
    assert errors and all(located(e) for e in errors)
    interchange = translation.interchanges[0]
    ack = interchange.ack
    statuses = {ack.interchange_status} | {m.status for g in ack.groups for m in g.messages}
    assert AckLevelStatus.REJECTED in statuses
    contrl = render_contrl(
        ack, interchange.header, reference="1", message_ref="1", now=dt.datetime(2024, 1, 1)
    )
    assert b"CONTRL" in contrl and (b"+4'" in contrl or b"+4+" in contrl)
