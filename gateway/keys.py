"""The master key that seals private keys and partner secrets at rest (DESIGN.md §7).

It comes from ``EDIGW_SECRET_KEY`` (environment or secrets file). On the embedded default, when none is
set, one is generated once into the data dir with owner-only permissions.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from functools import lru_cache
from pathlib import Path

from gateway.config import Settings
from gateway.errors import GatewayError

MASTER_KEY_BYTES = 32
GENERATED_KEY_FILE = "secret.key"


class MasterKeyError(GatewayError):
    code = "master_key_invalid"


def _decode(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) >= MASTER_KEY_BYTES:
        return raw
    if len(text.encode()) >= MASTER_KEY_BYTES:
        return text.encode()
    raise MasterKeyError(
        f"EDIGW_SECRET_KEY must be at least {MASTER_KEY_BYTES} bytes (or base64 of them); "
        "generate one with: openssl rand -base64 32"
    )


def _generated(settings: Settings) -> bytes:
    data_dir = settings.data_dir  # an absolute one is not resolved again on every request
    folder = data_dir if data_dir.is_absolute() else data_dir.resolve()
    return _generated_at(folder / GENERATED_KEY_FILE)


@lru_cache(maxsize=8)
def _generated_at(path: Path) -> bytes:
    """Create the key file once, then read it once per process (it never changes)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(base64.b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode() + "\n")
    return _decode(path.read_text())


def master_key(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return _decode(settings.secret_key.get_secret_value())
    return _generated(settings)
