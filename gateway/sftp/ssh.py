"""SSH plumbing shared by the server and the client: the algorithm policy (no CBC/3DES, no SHA-1 MACs,
key exchanges or ``ssh-rsa`` signatures, no certificates or DSA), the persistent server host key, and key
comparisons with the OpenSSH keys of partner profiles."""

from __future__ import annotations

import base64
import contextlib
import os
import socket
from pathlib import Path
from typing import Final

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from gateway.config import Settings
from partners.ssh_keys import SshPublicKey, ssh_fingerprint

HOST_KEY_FILE: Final = "sftp_host_ed25519_key"
HOST_KEY_MODE: Final = 0o600
WEAK_CIPHERS: Final = ("aes128-cbc", "aes192-cbc", "aes256-cbc", "3des-cbc", "blowfish-cbc", "arcfour")
WEAK_MACS: Final = ("hmac-sha1", "hmac-sha1-96", "hmac-md5", "hmac-md5-96")
WEAK_KEX: Final = (
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group-exchange-sha1",
)
REFUSED_KEY_TYPES: Final = (
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
)
DISABLED_ALGORITHMS: Final = {
    "ciphers": WEAK_CIPHERS,
    "macs": WEAK_MACS,
    "kex": WEAK_KEX,
    "keys": REFUSED_KEY_TYPES,
    "pubkeys": REFUSED_KEY_TYPES,
}
HOST_KEY_ALGORITHMS: Final = {
    "ssh-ed25519": ("ssh-ed25519",),
    "ssh-rsa": ("rsa-sha2-512", "rsa-sha2-256"),
    "ecdsa-sha2-nistp256": ("ecdsa-sha2-nistp256",),
    "ecdsa-sha2-nistp384": ("ecdsa-sha2-nistp384",),
    "ecdsa-sha2-nistp521": ("ecdsa-sha2-nistp521",),
}


def new_transport(sock: socket.socket) -> paramiko.Transport:
    """A paramiko transport (server or client side) restricted to the algorithm policy."""
    return paramiko.Transport(sock, disabled_algorithms=DISABLED_ALGORITHMS)


def host_key_path(settings: Settings) -> Path:
    return settings.data_dir.resolve() / HOST_KEY_FILE


def _write_new_host_key(path: Path) -> None:
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, HOST_KEY_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)  # first writer wins; a concurrent starter reads the same key
    finally:
        os.unlink(temp)


def load_host_key(settings: Settings) -> paramiko.Ed25519Key:
    """The server's host key, generated once into the data dir (owner-only) and reused on every start."""
    path = host_key_path(settings)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_new_host_key(path)
    return paramiko.Ed25519Key(filename=str(path))


def public_line(key: paramiko.PKey) -> str:
    """The key as an OpenSSH public key line (for ``known_hosts`` or a partner's allow list)."""
    return f"{key.get_name()} {key.get_base64()}"


def fingerprint_of(key: paramiko.PKey) -> str:
    return ssh_fingerprint(key.get_base64())


def same_key(offered: paramiko.PKey, expected: SshPublicKey) -> bool:
    """Whether a key presented on the wire is the profile's key (compared by its public blob)."""
    return offered.asbytes() == base64.b64decode(expected.key_base64)
