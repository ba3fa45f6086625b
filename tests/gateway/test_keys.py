from __future__ import annotations

import base64
import stat

import pytest
from pydantic import SecretStr

from gateway.config import Settings
from gateway.keys import MasterKeyError, master_key
from partners.sealing import seal, unseal


def test_generated_once_with_owner_only_permissions(settings: Settings) -> None:
    first = master_key(settings)
    assert len(first) == 32
    assert master_key(settings) == first
    mode = (settings.data_dir / "secret.key").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_configured_key_wins_and_is_decoded(settings: Settings) -> None:
    raw = bytes(range(32))
    configured = settings.model_copy(update={"secret_key": SecretStr(base64.b64encode(raw).decode())})
    assert master_key(configured) == raw
    assert not (settings.data_dir / "secret.key").exists()


def test_short_key_is_refused_with_advice(settings: Settings) -> None:
    weak = settings.model_copy(update={"secret_key": SecretStr("hunter2")})
    with pytest.raises(MasterKeyError, match="openssl rand"):
        master_key(weak)


def test_master_key_seals_and_unseals(settings: Settings) -> None:
    key = master_key(settings)
    blob = seal(b"-----BEGIN PRIVATE KEY-----", key, context=b"station:test")
    assert unseal(blob, key, context=b"station:test") == b"-----BEGIN PRIVATE KEY-----"
