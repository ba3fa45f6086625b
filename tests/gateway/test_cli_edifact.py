"""``edigw translate`` detects EDIFACT and prints canonical JSON plus the CONTRL it would send;
``edigw render --to edifact --directory D01B`` renders canonical JSON as an EDIFACT interchange."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app

FIXTURES = Path(__file__).resolve().parents[1] / "translators" / "fixtures"


def test_translate_edifact_file_prints_documents_and_contrl() -> None:
    result = CliRunner().invoke(app, ["translate", str(FIXTURES / "edifact" / "orders_d96a_unoc_una.edi")])
    assert result.exit_code == 0, result.output
    output = json.loads(result.stdout)
    assert output["interchanges"][0]["syntax"] == "edifact"
    assert output["documents"][0]["po_number"] == "PO-4711"
    assert output["acknowledgements"][0]["kind"] == "CONTRL"
    assert "UCI+ORD0001+5412345000013:14+4012345500004:14+7'" in output["acknowledgements"][0]["edi"]


def test_translate_malformed_edifact_exits_non_zero_with_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.edi"
    bad.write_bytes(b"UNB+UNOA:3+S+R+240101:1200+9'UNH+1+ORDERS:D:96A:UN'BGM+220+PO1+9'UNT+9+1'UNZ+1+9'")
    result = CliRunner().invoke(app, ["translate", str(bad)])
    assert result.exit_code != 0
    assert "UNT" in result.stderr and "code 29" in result.stderr


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A canonical purchase order (JSON) whose buyer is Müller & Söhne GmbH."""
    documents = json.loads((FIXTURES / "edifact" / "orders_d96a_unoc_una.json").read_text("utf-8"))
    path = tmp_path / "po.json"
    path.write_text(json.dumps(documents[0]), "utf-8")
    return path


def test_render_to_edifact_with_directory(source: Path) -> None:
    result = CliRunner().invoke(app, ["render", str(source), "--to", "edifact", "--directory", "D01B"])
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"UNA:+.? 'UNB+UNOC:3+SENDER+RECEIVER+")
    assert b"UNH+1+ORDERS:D:01B:UN'" in data
    assert "Müller & Söhne GmbH".encode("latin-1") in data


def test_render_to_edifact_with_a_character_set_and_syntax_version(source: Path) -> None:
    utf8 = CliRunner().invoke(app, ["render", str(source), "--to", "edifact", "--charset", "UNOY"])
    assert utf8.exit_code == 0, utf8.output
    assert utf8.stdout_bytes.startswith(b"UNA:+.? 'UNB+UNOY:4+SENDER+RECEIVER+")
    assert "Müller & Söhne GmbH".encode() in utf8.stdout_bytes
    args = ["render", str(source), "--to", "edifact", "--charset", "UNOA", "--syntax-version", "3"]
    level_a = CliRunner().invoke(app, args)
    assert level_a.exit_code != 0
    assert "'Ü' is outside the UNOA character repertoire" in level_a.stderr and "NAD" in level_a.stderr
