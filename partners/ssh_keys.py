"""OpenSSH public keys of partners: authorized keys for their inbound SFTP account and the pinned host
key of their SFTP server.

A key line is ``type base64 [comment]`` (no authorized_keys options). Accepted: RSA of at least
2048 bits, Ed25519, ECDSA on NIST P-256/P-384/P-521. DSA, certificates and FIDO keys are refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key
from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from partners.errors import SshKeyError

MIN_RSA_BITS: Final = 2048
SSH_KEY_LINE_MAX_LENGTH: Final = 16384
COMMENT_MAX_LENGTH: Final = 256
LENGTH_PREFIX: Final = struct.Struct(">I")
ECDSA_TYPES: Final = {
    "ecdsa-sha2-nistp256": ec.SECP256R1,
    "ecdsa-sha2-nistp384": ec.SECP384R1,
    "ecdsa-sha2-nistp521": ec.SECP521R1,
}
ACCEPTED_TYPES: Final = ("ssh-ed25519", "ssh-rsa", *ECDSA_TYPES)


def _blob_type(blob: bytes) -> str:
    if len(blob) < LENGTH_PREFIX.size:
        raise SshKeyError("key data is truncated")
    (length,) = LENGTH_PREFIX.unpack_from(blob)
    name = blob[LENGTH_PREFIX.size : LENGTH_PREFIX.size + length]
    if len(name) != length:
        raise SshKeyError("key data is truncated")
    return name.decode("ascii", errors="replace")


def _split_line(line: str) -> tuple[str, str, str]:
    if len(line) > SSH_KEY_LINE_MAX_LENGTH:
        raise SshKeyError("key line is too long")
    fields = line.strip().split(None, 2)
    if len(fields) < 2:
        raise SshKeyError("expected 'type base64-key [comment]'")
    key_type, key_b64 = fields[0], fields[1]
    comment = fields[2].strip() if len(fields) == 3 else ""
    return key_type, key_b64, comment


def _check_type(key_type: str) -> None:
    if key_type.endswith("-cert-v01@openssh.com"):
        raise SshKeyError(f"OpenSSH certificates are not accepted ({key_type}); give the plain public key")
    if key_type not in ACCEPTED_TYPES:
        raise SshKeyError(f"key type {key_type!r} is not accepted; use one of {', '.join(ACCEPTED_TYPES)}")


def _decode(key_b64: str) -> bytes:
    try:
        return base64.b64decode(key_b64, validate=True)
    except (binascii.Error, ValueError):
        raise SshKeyError("key data is not valid base64") from None


def _check_strength(key_type: str, key: Any) -> None:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise SshKeyError(f"RSA key has {key.key_size} bits; at least {MIN_RSA_BITS} are required")
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ECDSA_TYPES[key_type]):
            raise SshKeyError(f"ECDSA curve {key.curve.name} does not match key type {key_type}")
    elif not isinstance(key, ed25519.Ed25519PublicKey):
        raise SshKeyError(f"key type {key_type!r} is not accepted")


def parse_ssh_public_key(line: str) -> tuple[str, str, str]:
    """Validate an OpenSSH public key line; return ``(type, base64, comment)`` normalised.

    Raises :class:`SshKeyError` with a plain-words reason.
    """
    key_type, key_b64, comment = _split_line(line)
    _check_type(key_type)
    blob = _decode(key_b64)
    if _blob_type(blob) != key_type:
        raise SshKeyError(f"key data is of type {_blob_type(blob)!r} but the line says {key_type!r}")
    try:
        key = load_ssh_public_key(f"{key_type} {key_b64}".encode("ascii"))
    except (ValueError, TypeError) as exc:
        raise SshKeyError(f"key data cannot be loaded: {exc}") from None
    _check_strength(key_type, key)
    normalised = base64.b64encode(blob).decode("ascii")
    return key_type, normalised, comment[:COMMENT_MAX_LENGTH]


def ssh_fingerprint(key_base64: str) -> str:
    """The OpenSSH ``SHA256:...`` fingerprint of a key given as its base64 wire blob."""
    digest = hashlib.sha256(base64.b64decode(key_base64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _invalid(exc: SshKeyError) -> PydanticCustomError:
    return PydanticCustomError("ssh_key_invalid", "invalid SSH public key: {reason}", {"reason": str(exc)})


class SshPublicKey(BaseModel):
    """A validated OpenSSH public key. Accepts the usual one-line form as input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key_type: str
    key_base64: str
    comment: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_line(cls, data: Any) -> Any:
        if not isinstance(data, str):
            return data
        try:
            key_type, key_b64, comment = _split_line(data)
        except SshKeyError as exc:
            raise _invalid(exc) from None
        return {"key_type": key_type, "key_base64": key_b64, "comment": comment}

    @model_validator(mode="after")
    def _validate_key(self) -> SshPublicKey:
        try:
            parse_ssh_public_key(f"{self.key_type} {self.key_base64}")
        except SshKeyError as exc:
            raise _invalid(exc) from None
        return self

    @property
    def fingerprint(self) -> str:
        """OpenSSH SHA256 fingerprint, as ``ssh-keygen -lf`` prints it."""
        return ssh_fingerprint(self.key_base64)

    @property
    def line(self) -> str:
        """The key as an OpenSSH ``authorized_keys`` / ``known_hosts`` key field."""
        return " ".join(p for p in (self.key_type, self.key_base64, self.comment) if p)
