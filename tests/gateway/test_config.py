from pathlib import Path

import pytest

from gateway.config import Settings, load_settings


def test_defaults_are_embedded(tmp_path: Path) -> None:
    s = Settings(data_dir=tmp_path)
    assert s.resolved_database_url == f"sqlite:///{(tmp_path / 'gateway.db').resolve()}"
    assert s.broker_is_embedded
    assert s.resolved_archive_dir == (tmp_path / "archive").resolve()


def test_environment_prefix_and_secret_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "EDIGW_SECRET_KEY").write_text("from-a-file")
    monkeypatch.setenv("EDIGW_SECRETS_DIR", str(tmp_path))
    monkeypatch.setenv("EDIGW_HTTP_PORT", "9123")
    monkeypatch.setenv("EDIGW_QUEUE_PREFIX", "blue-")
    s = load_settings()
    assert s.http_port == 9123
    assert s.secret_key is not None and s.secret_key.get_secret_value() == "from-a-file"
    assert s.queue_name("inbound") == "blue-inbound"
    assert "from-a-file" not in repr(s)


def test_invalid_values_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EDIGW_WORKER_CONCURRENCY", "0")
    with pytest.raises(ValueError, match="worker_concurrency"):
        load_settings()
