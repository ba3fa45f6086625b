"""docker-compose.yml cannot be run here (no container engine), so check it against the code it drives:
every gateway command exists, every EDIGW_ variable is a setting, every service has a health check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
GATEWAY_SERVICES = ["api", "worker", "relay", "migrate", "sftp"]


@pytest.mark.parametrize("service", GATEWAY_SERVICES)
def test_gateway_service_commands_exist(service: str) -> None:
    command = COMPOSE["services"][service]["command"]
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output


def test_every_environment_variable_is_a_setting() -> None:
    fields = {f"EDIGW_{name.upper()}" for name in Settings.model_fields} | {"EDIGW_SECRETS_DIR"}
    for name, service in COMPOSE["services"].items():
        for var in service.get("environment", {}):
            if var.startswith("EDIGW_"):
                assert var in fields, f"{name}: {var} is not a setting"
    for secret in COMPOSE["secrets"]:
        assert secret in fields


def test_long_running_services_have_health_checks_and_restart() -> None:
    for name, service in COMPOSE["services"].items():
        if name == "migrate":
            continue
        assert "healthcheck" in service or name == "flower", name
        assert service.get("restart") == "unless-stopped", name


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(EDIGW_[A-Z0-9_]+)`", readme))
    missing = {f"EDIGW_{name.upper()}" for name in Settings.model_fields} - documented
    assert not missing, f"README configuration reference misses {sorted(missing)}"


def test_relay_check_reports_a_missing_heartbeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.config import get_settings

    monkeypatch.setenv("EDIGW_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["relay", "--check"])
        assert result.exit_code == 1
        assert "no heartbeat" in result.output
        (tmp_path / "relay.heartbeat").touch()
        assert CliRunner().invoke(app, ["relay", "--check"]).exit_code == 0
    finally:
        get_settings.cache_clear()
