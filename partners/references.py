"""References from a profile to material kept elsewhere (sealed secrets, stored certificates).

A profile never holds a secret: it names one. The gateway resolves a ``SecretRef`` to sealed bytes
in its store and a ``CertificateRef`` to a stored certificate by its SHA-256 fingerprint.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

SECRET_REF: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
SHA256_HEX: Final = re.compile(r"[0-9a-f]{64}")


def check_secret_ref(value: str) -> str:
    """A name of a sealed secret: 1..128 of letters, digits and ``._:/-``, starting alphanumeric."""
    if not SECRET_REF.fullmatch(value):
        raise PydanticCustomError(
            "secret_ref_format",
            "secret reference must be 1 to 128 letters, digits or ._:/- (a name, never the secret itself)",
        )
    return value


def check_certificate_ref(value: str) -> str:
    """A stored certificate, named by its SHA-256 fingerprint in lowercase hex (colons are removed)."""
    normalised = value.replace(":", "").lower()
    if not SHA256_HEX.fullmatch(normalised):
        raise PydanticCustomError(
            "certificate_ref_format", "certificate reference must be a SHA-256 fingerprint (64 hex digits)"
        )
    return normalised


SecretRef = Annotated[str, AfterValidator(check_secret_ref)]
CertificateRef = Annotated[str, AfterValidator(check_certificate_ref)]
