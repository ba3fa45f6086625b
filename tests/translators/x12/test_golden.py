"""Golden files written by the project: X12 input -> canonical JSON (+ the ack we send) -> rendered X12.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/translators/x12/test_golden.py``
and review the diff: the expected files are the contract.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from translators.api import render_outbound, translate_inbound
from translators.canonical import CanonicalDocument
from translators.options import InboundOptions, OutboundOptions, Separators
from translators.result import TranslationResult

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "x12"
INPUTS = sorted(FIXTURES.glob("*.edi"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
NOW = dt.datetime(2026, 3, 2, 10, 0)
INBOUND = InboundOptions(now=NOW, ack_interchange_control_number=9001, ack_group_control_number=9001)


def _outbound(version: str, offset: int) -> OutboundOptions:
    return OutboundOptions(
        syntax="x12",
        sender_id="ACMEBUYER",
        receiver_id="WIDGETCO",
        interchange_control_number=700 + offset,
        group_control_number=700 + offset,
        message_control_number=1,
        now=NOW,
        version=version,
        separators=Separators(element="*", component=">", repetition="^", segment="~", suffix="\n"),
    )


def _versions(result: TranslationResult) -> list[str]:
    return [g.version or "004010" for i in result.interchanges for g in i.groups for _ in g.messages]


def _expected_json(result: TranslationResult) -> str:
    payload = {
        "documents": [d.model_dump(mode="json") for d in result.documents],
        "acknowledgements": [{"kind": a.kind, "edi": a.data.decode()} for a in result.acks],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def _rendered(documents: tuple[CanonicalDocument, ...], versions: list[str]) -> bytes:
    return b"".join(
        render_outbound(d, _outbound(v, n)) for n, (d, v) in enumerate(zip(documents, versions, strict=True))
    )


def _check(path: Path, actual: str | bytes) -> None:
    data = actual.encode() if isinstance(actual, str) else actual
    if UPDATE:
        path.write_bytes(data)
    assert path.exists(), f"{path.name} missing: run with UPDATE_GOLDEN=1 and review it"
    assert path.read_bytes() == data


def test_fixtures_exist() -> None:
    assert len(INPUTS) >= 7


@pytest.mark.parametrize("source", INPUTS, ids=lambda p: p.name)
def test_golden(source: Path) -> None:
    result = translate_inbound(source.read_bytes(), INBOUND)
    assert result.ok, [str(e) for e in result.all_errors()]
    _check(source.with_suffix(".json"), _expected_json(result))
    rendered = _rendered(result.documents, _versions(result))
    _check(source.with_suffix(".rendered.x12"), rendered)
    again = translate_inbound(rendered, INBOUND)
    assert again.ok and again.documents == result.documents
