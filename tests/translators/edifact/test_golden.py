"""Golden files: each ``fixtures/edifact/NAME.edi`` translates to ``NAME.json`` (canonical documents) and
those documents render to ``NAME.out.edi`` with the input's own envelope (syntax identifier and version,
service characters, references, directory), then translate back to the same documents.

Regenerate after a reviewed change with ``python -m tests.translators.edifact.test_golden``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from translators.canonical import CanonicalDocument, document_from_dict
from translators.edifact.outbound import render_document
from translators.edifact.render import InterchangeSpec
from translators.edifact.translate import InterchangeResult, translate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "edifact"
NAMES = sorted(p.stem for p in FIXTURES.glob("*.edi") if not p.name.endswith(".out.edi"))


def _now(result: InterchangeResult) -> dt.datetime:
    date, time = result.header.date, result.header.time
    stamp = date if len(date) == 8 else ("20" + date if int(date[:2]) < 70 else "19" + date)
    return dt.datetime.strptime(stamp + time, "%Y%m%d%H%M")


def expected_documents(name: str) -> list[CanonicalDocument]:
    return [document_from_dict(d) for d in json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))]


def rendered(name: str) -> bytes:
    result = translate((FIXTURES / f"{name}.edi").read_bytes()).interchanges[0]
    h = result.header
    spec = InterchangeSpec(
        sender=h.sender,
        recipient=h.recipient,
        reference=h.reference,
        now=_now(result),
        syntax_id=h.syntax_id,
        syntax_version=h.syntax_version,
        service_chars=h.service_chars,
        include_una=h.una_present,
        newline=True,
    )
    message = result.messages[0].header
    assert result.messages[0].document is not None
    return render_document(
        result.messages[0].document,
        spec,
        message_ref=message.reference,
        directory=message.directory,
        association=message.association,
    )


@pytest.mark.parametrize("name", NAMES)
def test_translates_to_golden_canonical(name: str) -> None:
    translation = translate((FIXTURES / f"{name}.edi").read_bytes())
    translation.raise_for_errors()
    assert list(translation.documents()) == expected_documents(name)


@pytest.mark.parametrize("name", NAMES)
def test_renders_to_golden_edifact_and_back(name: str) -> None:
    out = rendered(name)
    assert out == (FIXTURES / f"{name}.out.edi").read_bytes()
    assert list(translate(out).documents()) == expected_documents(name)


def regenerate() -> None:
    for name in NAMES:
        docs = translate((FIXTURES / f"{name}.edi").read_bytes()).documents()
        payload = [{"kind": d.kind, **d.model_dump(mode="json", exclude_defaults=True)} for d in docs]
        text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
        (FIXTURES / f"{name}.json").write_text(text, "utf-8")
        (FIXTURES / f"{name}.out.edi").write_bytes(rendered(name))


if __name__ == "__main__":
    regenerate()
