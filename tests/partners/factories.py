"""Builders for valid partner profile data and SSH keys, generated fresh (nothing private committed)."""

from __future__ import annotations

import copy
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

OPENSSH = serialization.Encoding.OpenSSH
OPENSSH_PUBLIC = serialization.PublicFormat.OpenSSH


def ed25519_line(comment: str = "partner@example") -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    return key.public_bytes(OPENSSH, OPENSSH_PUBLIC).decode() + (f" {comment}" if comment else "")


def rsa_line(bits: int = 2048) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    return key.public_bytes(OPENSSH, OPENSSH_PUBLIC).decode()


def ecdsa_line(curve: ec.EllipticCurve) -> str:
    key = ec.generate_private_key(curve).public_key()
    return key.public_bytes(OPENSSH, OPENSSH_PUBLIC).decode()


BASE_PROFILE: dict[str, Any] = {
    "code": "acme",
    "name": "ACME Supplies Ltd",
    "identities": {
        "as2_id": "ACME AS2",
        "x12": [{"isa_qualifier": "ZZ", "isa_id": "ACMESUPPLY", "gs_id": "ACMEGS"}],
        "edifact": [{"unb_id": "4012345000009", "unb_qualifier": "14"}],
    },
    "formats": [
        {"direction": "inbound", "document_type": "855", "syntax": "x12", "version": "004010"},
        {"direction": "outbound", "document_type": "850", "syntax": "x12", "version": "005010"},
        {"direction": "inbound", "document_type": "DESADV", "syntax": "edifact", "version": "D96A"},
    ],
    "transports": {
        "as2": {
            "url": "https://as2.acme.example.com:4443/as2",
            "async_mdn_allow_list": ["https://as2.acme.example.com/mdn"],
        },
        "rest": {"token_ref": "tokens/acme"},
        "outbound": "as2",
    },
    "contacts": [{"name": "Jo Buyer", "email": "jo@acme.example.com", "role": "business"}],
}


def profile_data(**overrides: Any) -> dict[str, Any]:
    """A deep copy of a valid profile, with top-level keys replaced."""
    data = copy.deepcopy(BASE_PROFILE)
    data.update(overrides)
    return data


def with_path(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``data`` with the value at ``path`` replaced."""
    result = copy.deepcopy(data)
    target: Any = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return result
