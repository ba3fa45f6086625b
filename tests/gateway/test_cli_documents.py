"""``edigw translate / render / schema`` on real bytes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from gateway.cli import app

RUNNER = CliRunner()
PO = (
    "ISA*00*          *00*          *ZZ*BUYER          *ZZ*SELLER         "
    "*260301*0800*U*00401*000000321*0*P*>~\n"
    "GS*PO*BUYER*SELLER*20260301*0800*12*X*004010~\nST*850*0001~\nBEG*00*SA*PO-1**20260301~\n"
    "PO1*1*5*EA*2.5**BP*A-1~\nSE*4*0001~\nGE*1*12~\nIEA*1*000000321~\n"
)


def test_translate_prints_documents_and_the_ack(tmp_path: Path) -> None:
    source = tmp_path / "po.edi"
    source.write_text(PO)
    result = RUNNER.invoke(app, ["translate", str(source)])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["documents"][0]["po_number"] == "PO-1"
    assert output["acknowledgements"][0]["kind"] == "997"
    assert "AK5*A~" in output["acknowledgements"][0]["edi"]


def test_translate_bad_input_exits_non_zero_with_located_errors(tmp_path: Path) -> None:
    source = tmp_path / "bad.edi"
    source.write_text(PO.replace("SE*4*0001", "SE*9*0001"))
    result = RUNNER.invoke(app, ["translate", str(source)])
    assert result.exit_code == 1
    assert "SE01 says '9' segments, found 4" in result.stderr and "segment 4, SE" in result.stderr


def test_render_round_trips_through_translate(tmp_path: Path) -> None:
    source = tmp_path / "po.edi"
    source.write_text(PO)
    document = json.loads(RUNNER.invoke(app, ["translate", str(source)]).stdout)["documents"][0]
    canonical = tmp_path / "po.json"
    canonical.write_text(json.dumps(document))
    rendered = RUNNER.invoke(
        app, ["render", str(canonical), "--to", "x12", "--version", "005010", "--sender", "ME"]
    )
    assert rendered.exit_code == 0, rendered.output
    assert rendered.stdout.startswith("ISA*00*") and "*ZZ*ME             *" in rendered.stdout
    assert "BEG*00*SA*PO-1**20260301~" in rendered.stdout


def test_schema_lists_every_document_kind() -> None:
    result = RUNNER.invoke(app, ["schema"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)["discriminator"]["mapping"]) == {
        "purchase_order",
        "acknowledgement",
        "ship_notice",
        "functional_ack",
    }
