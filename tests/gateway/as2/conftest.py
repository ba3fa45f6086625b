"""Fixtures for the AS2 codec tests: our identity, a partner identity, a stranger, all made at test time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import require_available

from .keys import Identity, make_identity
from .openssl_peer import OpenSSLPeer


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("as2-keys")


@pytest.fixture(scope="session")
def us(key_dir: Path) -> Identity:
    return make_identity("gateway", key_dir)


@pytest.fixture(scope="session")
def partner(key_dir: Path) -> Identity:
    return make_identity("partner", key_dir)


@pytest.fixture(scope="session")
def stranger(key_dir: Path) -> Identity:
    return make_identity("stranger", key_dir)


@pytest.fixture
def peer(partner: Identity, us: Identity, tmp_path: Path) -> OpenSSLPeer:
    require_available(shutil.which("openssl"), "the openssl CLI (the AS2 interop peer) is not installed")
    return OpenSSLPeer(partner, us, tmp_path)
