"""Secrets sealed at rest: round trips, wrong key/context, tampering, master key rotation."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partners.errors import SealError
from partners.sealing import HEADER_LENGTH, master_key_id, reseal, seal, unseal, unseal_any

MASTER = bytes(range(32))
OTHER = bytes(range(1, 33))


@given(st.binary(max_size=4096), st.binary(max_size=64))
def test_round_trip(secret: bytes, context: bytes) -> None:
    assert unseal(seal(secret, MASTER, context=context), MASTER, context=context) == secret


def test_sealed_bytes_hide_the_secret_and_differ_each_time() -> None:
    secret = b"-----BEGIN PRIVATE KEY----- very secret"
    first, second = seal(secret, MASTER), seal(secret, MASTER)
    assert first != second
    assert secret not in first
    assert len(first) == HEADER_LENGTH + len(secret) + 16


def test_wrong_master_key_is_named() -> None:
    with pytest.raises(SealError, match="different master key"):
        unseal(seal(b"x", MASTER), OTHER)


def test_context_binds_the_purpose() -> None:
    sealed = seal(b"basic-auth-password", MASTER, context=b"partner:acme:basic-auth")
    with pytest.raises(SealError, match="failed authentication"):
        unseal(sealed, MASTER, context=b"partner:bolt:basic-auth")


@pytest.mark.parametrize("position", [0, 5, 20, HEADER_LENGTH - 1, HEADER_LENGTH, -1])
def test_any_flipped_byte_is_detected(position: int) -> None:
    sealed = bytearray(seal(b"private key bytes", MASTER))
    sealed[position] ^= 0x01
    with pytest.raises(SealError):
        unseal(bytes(sealed), MASTER)


@pytest.mark.parametrize("blob", [b"", b"\x01" * 10, b"\x02" + os.urandom(60)])
def test_garbage_is_refused(blob: bytes) -> None:
    with pytest.raises(SealError, match="not a sealed secret"):
        unseal(blob, MASTER)


def test_short_master_key_is_refused() -> None:
    with pytest.raises(SealError, match="at least 32 bytes"):
        seal(b"x", b"short")


def test_rotation_with_several_master_keys() -> None:
    old_sealed = seal(b"secret", OTHER, context=b"c")
    assert unseal_any(old_sealed, [MASTER, OTHER], context=b"c") == b"secret"
    resealed = reseal(old_sealed, [OTHER], MASTER, context=b"c")
    assert resealed[1:9] == master_key_id(MASTER)
    assert unseal(resealed, MASTER, context=b"c") == b"secret"
    with pytest.raises(SealError, match="none of the given master keys"):
        unseal_any(old_sealed, [MASTER])
