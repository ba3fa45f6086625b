"""``edigw sftp ...`` commands: our host key for partners' known_hosts, our client keys for theirs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gateway.cli import app
from gateway.config import Settings, get_settings
from gateway.sftp.credentials import load_client_key, load_secret
from gateway.sftp.ssh import fingerprint_of, load_host_key


@pytest.fixture
def env(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("EDIGW_DATA_DIR", str(migrated.data_dir))
    get_settings.cache_clear()
    yield migrated
    get_settings.cache_clear()


def test_host_key_prints_the_persistent_key_and_its_fingerprint(env: Settings) -> None:
    result = CliRunner().invoke(app, ["sftp", "host-key"])
    assert result.exit_code == 0, result.output
    line, fingerprint = result.output.splitlines()
    key = load_host_key(env)
    assert line == f"ssh-ed25519 {key.get_base64()}"
    assert fingerprint == fingerprint_of(key)


def test_client_key_creates_a_sealed_key_and_prints_its_public_half(env: Settings) -> None:
    result = CliRunner().invoke(app, ["sftp", "client-key", "sftp/acme"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ssh-ed25519 {load_client_key(env, 'sftp/acme').get_base64()}"


def test_sftp_server_command_is_registered() -> None:
    result = CliRunner().invoke(app, ["sftp-server", "--help"])
    assert result.exit_code == 0
    assert "--no-listen" in result.output


def test_password_is_stored_sealed_from_a_file(env: Settings, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("s3cret pass\n")
    result = CliRunner().invoke(app, ["sftp", "password", "sftp/acme-pw", "--file", str(secret_file)])
    assert result.exit_code == 0, result.output
    assert load_secret(env, "sftp/acme-pw") == b"s3cret pass"
    [stored] = (env.data_dir / "sftp_secrets").iterdir()
    assert b"s3cret" not in stored.read_bytes()


def test_sftp_server_check_fails_without_a_heartbeat(env: Settings) -> None:
    result = CliRunner().invoke(app, ["sftp-server", "--check"])
    assert result.exit_code == 1
    assert "no heartbeat" in result.output
