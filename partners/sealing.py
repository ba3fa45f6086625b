"""Secrets at rest (private keys, partner passwords, HMAC keys): sealed with AES-256-GCM under a key
derived from a master key the caller passes in (it comes from gateway settings, never from here).

Layout of a sealed blob: ``version(1) | key id(8) | salt(16) | nonce(12) | ciphertext+tag``. Each seal
derives a fresh key with HKDF-SHA256 from the master key and a random salt. The key id tells which master
key sealed it, so several master keys can be tried during a rotation. ``context`` binds a sealed value
to its purpose (e.g. ``b"partner:acme:basic-auth"``): unsealing with another context fails.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from partners.errors import SealError

SEAL_VERSION: Final = b"\x01"
KEY_ID_LENGTH: Final = 8
SALT_LENGTH: Final = 16
NONCE_LENGTH: Final = 12
AES_KEY_LENGTH: Final = 32
MIN_MASTER_KEY_LENGTH: Final = 32
HEADER_LENGTH: Final = len(SEAL_VERSION) + KEY_ID_LENGTH + SALT_LENGTH + NONCE_LENGTH
TAG_LENGTH: Final = 16
SEAL_INFO: Final = b"edigw seal v1"
KEY_ID_INFO: Final = b"edigw seal key id v1"


def _hkdf(master_key: bytes, salt: bytes | None, info: bytes, length: int) -> bytes:
    if len(master_key) < MIN_MASTER_KEY_LENGTH:
        raise SealError(f"the master key must be at least {MIN_MASTER_KEY_LENGTH} bytes")
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(master_key)


def master_key_id(master_key: bytes) -> bytes:
    """A public 8-byte identifier of ``master_key`` (derived one-way; reveals nothing about it)."""
    return _hkdf(master_key, None, KEY_ID_INFO, KEY_ID_LENGTH)


def seal(secret: bytes, master_key: bytes, *, context: bytes = b"") -> bytes:
    """Encrypt and authenticate ``secret``; only :func:`unseal` with the same key and context opens it."""
    salt, nonce = os.urandom(SALT_LENGTH), os.urandom(NONCE_LENGTH)
    header = SEAL_VERSION + master_key_id(master_key) + salt + nonce
    key = _hkdf(master_key, salt, SEAL_INFO, AES_KEY_LENGTH)
    return header + AESGCM(key).encrypt(nonce, secret, header + context)


def _split(sealed: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    if len(sealed) < HEADER_LENGTH + TAG_LENGTH or sealed[:1] != SEAL_VERSION:
        raise SealError("not a sealed secret (unknown version or truncated)")
    key_id_end = 1 + KEY_ID_LENGTH
    salt_end = key_id_end + SALT_LENGTH
    header = sealed[:HEADER_LENGTH]
    return (
        header,
        sealed[1:key_id_end],
        sealed[key_id_end:salt_end],
        sealed[salt_end:HEADER_LENGTH],
        sealed[HEADER_LENGTH:],
    )


def unseal(sealed: bytes, master_key: bytes, *, context: bytes = b"") -> bytes:
    """The secret inside ``sealed``; :class:`SealError` if the key, the context or the bytes are wrong."""
    header, key_id, salt, nonce, body = _split(sealed)
    if key_id != master_key_id(master_key):
        raise SealError("sealed with a different master key")
    key = _hkdf(master_key, salt, SEAL_INFO, AES_KEY_LENGTH)
    try:
        return AESGCM(key).decrypt(nonce, body, header + context)
    except InvalidTag:
        raise SealError("sealed secret failed authentication (tampered, or another context)") from None


def unseal_any(sealed: bytes, master_keys: Sequence[bytes], *, context: bytes = b"") -> bytes:
    """Unseal with whichever of ``master_keys`` sealed it (current key first, then retired ones)."""
    key_id = _split(sealed)[1]
    for master_key in master_keys:
        if master_key_id(master_key) == key_id:
            return unseal(sealed, master_key, context=context)
    raise SealError("sealed with none of the given master keys")


def reseal(sealed: bytes, old_keys: Sequence[bytes], new_key: bytes, *, context: bytes = b"") -> bytes:
    """Re-encrypt under ``new_key`` (master key rotation)."""
    return seal(unseal_any(sealed, old_keys, context=context), new_key, context=context)
