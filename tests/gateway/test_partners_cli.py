"""``edigw partners`` end to end on a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import Settings, get_settings
from tests.partners.factories import profile_data


@pytest.fixture
def env(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("EDIGW_DATA_DIR", str(migrated.data_dir))
    get_settings.cache_clear()
    yield migrated
    get_settings.cache_clear()


def test_add_show_update_disable_list(env: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    profile = tmp_path / "acme.json"
    profile.write_text(json.dumps(profile_data()))
    added = runner.invoke(app, ["partners", "add", str(profile), "--json"])
    assert added.exit_code == 0, added.output
    partner_id = json.loads(added.output)["id"]
    changes = tmp_path / "changes.json"
    changes.write_text(json.dumps({"name": "ACME Renamed"}))
    updated = runner.invoke(app, ["partners", "update", str(partner_id), str(changes), "--version", "1"])
    assert updated.exit_code == 0, updated.output
    assert "ACME Renamed" in updated.output
    stale = runner.invoke(app, ["partners", "update", str(partner_id), str(changes), "--version", "1"])
    assert stale.exit_code == 1
    assert "changed meanwhile" in stale.output
    assert runner.invoke(app, ["partners", "disable", str(partner_id)]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["partners", "show", str(partner_id), "--json"]).output)
    assert shown["enabled"] is False
    listed = json.loads(runner.invoke(app, ["partners", "list", "-q", "acme", "--json"]).output)
    assert [row["code"] for row in listed] == ["acme"]


def test_invalid_profile_prints_located_errors(env: Settings, tmp_path: Path) -> None:
    data = profile_data()
    data["identities"]["x12"][0]["isa_id"] = "X" * 20
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["partners", "add", str(path)])
    assert result.exit_code == 1
    assert "identities.x12[0].isa_id" in result.output


def test_unreadable_file_is_a_usage_error(env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    result = CliRunner().invoke(app, ["partners", "add", str(path)])
    assert result.exit_code == 2
    assert "cannot read" in result.output
