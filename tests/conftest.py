"""Shared fixtures: an isolated data dir per test, and real services (PostgreSQL, RabbitMQ, Redis).

With ``CI=true`` a missing service fails the test loudly; elsewhere it is skipped with the reason shown.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.db import get_database, upgrade

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get("EDIGW_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RABBIT_URL = os.environ.get("EDIGW_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
REDIS_URL = os.environ.get("EDIGW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SHARED = Path(__file__).resolve().parents[2] / "shared"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def require_available(available: object, what: str) -> None:
    """A missing service, peer program or shared sample folder: fail under CI=true, skip (with the
    reason shown) elsewhere. Every such precondition goes through here, so CI never skips silently."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {what}: these tests must run", pytrace=False)
    pytest.skip(what)


def require_service(name: str, host: str, port: int) -> None:
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        require_available(False, f"{name} is not reachable on {host}:{port} ({exc})")


@pytest.fixture
def openssl_cli() -> str:
    """The openssl CLI, an independent peer for CMS and certificate tests."""
    path = shutil.which("openssl")
    require_available(path, "the openssl CLI is not installed (make tools installs it)")
    assert path is not None
    return path


@pytest.fixture
def ssh_keygen() -> str:
    path = shutil.which("ssh-keygen")
    require_available(path, "ssh-keygen (openssh-client) is not installed (make tools installs it)")
    assert path is not None
    return path


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", log_format="text", outbox_backoff_base_seconds=0.05)


@pytest.fixture
def migrated(settings: Settings) -> Settings:
    upgrade(settings)
    return settings


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test; dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    name = f"edigw_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        get_database(Settings(database_url=url)).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def rabbit_url() -> str:
    require_service("RabbitMQ", "127.0.0.1", 5672)
    return RABBIT_URL


@pytest.fixture
def redis_url() -> str:
    require_service("Redis", "127.0.0.1", 6379)
    return REDIS_URL
