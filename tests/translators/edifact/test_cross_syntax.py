"""Cross-syntax equivalence: the same business documents written as X12 (850, 855, 856) and as EDIFACT
(ORDERS, ORDRSP, DESADV) translate to equal canonical documents, and each renders back to the other
syntax and to its own without changing. ``structure_code`` (the X12 HL layout code) is compared only
within X12: EDIFACT's CPS hierarchy has no such code."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from translators.api import render_outbound, translate_inbound
from translators.canonical import CanonicalDocument
from translators.options import InboundOptions, OutboundOptions, Syntax

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cross_syntax"
NAMES = ["purchase_order", "acknowledgement", "ship_notice"]
NOW = dt.datetime(2024, 1, 16, 10, 15)
X12_ONLY = {"structure_code"}


def translated(data: bytes) -> CanonicalDocument:
    result = translate_inbound(data, InboundOptions(now=NOW))
    assert result.all_errors() == ()
    (document,) = result.documents
    return document


def neutral(document: CanonicalDocument) -> dict[str, object]:
    return document.model_dump(exclude=X12_ONLY)


@pytest.mark.parametrize("name", NAMES)
def test_x12_and_edifact_give_equal_canonical_documents(name: str) -> None:
    from_x12 = translated((FIXTURES / f"{name}.x12").read_bytes())
    from_edifact = translated((FIXTURES / f"{name}.edi").read_bytes())
    assert from_x12.kind == from_edifact.kind == name
    assert neutral(from_x12) == neutral(from_edifact)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("source", ["x12", "edi"])
@pytest.mark.parametrize("target", ["x12", "edifact"])
def test_each_renders_back_in_either_syntax(name: str, source: str, target: Syntax) -> None:
    document = translated((FIXTURES / f"{name}.{source}").read_bytes())
    options = OutboundOptions(target, "SUPPLIER", "BUYER", 11, 12, NOW, version=None)
    again = translated(render_outbound(document, options))
    if source == "x12" and target == "x12":
        assert again == document
    else:
        assert neutral(again) == neutral(document)
