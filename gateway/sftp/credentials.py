"""Our credentials for partners' SFTP servers, named in profiles by ``client_key_ref`` (an OpenSSH private
key) or ``password_secret_ref``: stored sealed with the master key (DESIGN.md §7) in files under
``<data dir>/sftp_secrets/`` (owner-only), named by a hash of the reference so a name never becomes a path.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Final

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from gateway.config import Settings
from gateway.keys import master_key
from gateway.sftp.errors import ClientKeyMissingError, InvalidClientKeyError
from gateway.sftp.layout import write_atomically
from gateway.sftp.ssh import public_line
from partners.references import check_secret_ref
from partners.sealing import seal, unseal

SECRETS_FOLDER: Final = "sftp_secrets"
SECRETS_MODE: Final = 0o700
KEY_CLASSES: Final = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


def _path(settings: Settings, ref: str) -> Path:
    digest = hashlib.sha256(check_secret_ref(ref).encode()).hexdigest()[:40]
    return settings.data_dir.resolve() / SECRETS_FOLDER / f"{digest}.sealed"


def _context(ref: str) -> bytes:
    return b"sftp-secret:" + ref.encode()


def store_secret(settings: Settings, ref: str, secret: bytes) -> None:
    """Seal and store (replacing any earlier value of the reference)."""
    path = _path(settings, ref)
    path.parent.mkdir(mode=SECRETS_MODE, parents=True, exist_ok=True)
    write_atomically(path.parent, path.name, seal(secret, master_key(settings), context=_context(ref)))
    os.chmod(path, 0o600)


def load_secret(settings: Settings, ref: str) -> bytes:
    path = _path(settings, ref)
    if not path.exists():
        raise ClientKeyMissingError(
            f"no SFTP credential is stored under {ref!r}; create it with `edigw sftp client-key ...`"
        )
    return unseal(path.read_bytes(), master_key(settings), context=_context(ref))


def generate_client_key(settings: Settings, ref: str) -> str:
    """Create an Ed25519 client key under ``ref``; returns the public line to give to the partner."""
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    store_secret(settings, ref, pem)
    return public_line(load_client_key(settings, ref))


def import_client_key(settings: Settings, ref: str, pem: bytes) -> str:
    """Store an existing unencrypted OpenSSH/PEM private key; returns its public line."""
    _parse_key(pem)
    store_secret(settings, ref, pem)
    return public_line(load_client_key(settings, ref))


def _parse_key(pem: bytes) -> paramiko.PKey:
    text = pem.decode("ascii", errors="replace")
    for key_class in KEY_CLASSES:
        try:
            return key_class.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError):
            continue
    raise InvalidClientKeyError("the SFTP client key is not an Ed25519, ECDSA or RSA private key")


def load_client_key(settings: Settings, ref: str) -> paramiko.PKey:
    return _parse_key(load_secret(settings, ref))
