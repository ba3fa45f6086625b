"""Errors of the partners package: one hierarchy, every member a ``PartnersError``.

Profile problems carry pydantic-style field locations so an admin API can point at the exact field;
certificate, key and sealing problems carry a stable reason code a caller can branch on and show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

Loc = tuple[str | int, ...]


class PartnersError(Exception):
    """Base of every error raised by the partners package."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem at one field; ``loc`` is a pydantic location like ``("identities", "x12", 0)``."""

    loc: Loc
    message: str
    type: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The location as a dotted path, indexes in brackets: ``identities.x12[0].isa_id``."""
        text = ""
        for part in self.loc:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
        return text or "(root)"


class ProfileValidationError(PartnersError, ValueError):
    """A partner profile (or a part of one) is invalid; ``errors`` says where and why."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        summary = "; ".join(f"{e.path}: {e.message}" for e in self.errors)
        super().__init__(f"invalid partner profile: {summary}")

    @classmethod
    def from_pydantic(cls, exc: ValidationError, prefix: Loc = ()) -> ProfileValidationError:
        """Convert a pydantic ``ValidationError``, optionally nesting its locations under ``prefix``."""
        return cls(
            FieldError(
                loc=prefix + tuple(err["loc"]),
                message=err["msg"],
                type=err["type"],
                context={k: v for k, v in err.get("ctx", {}).items() if isinstance(v, str | int | float)},
            )
            for err in exc.errors()
        )

    @classmethod
    def single(cls, loc: Loc, message: str, type_: str) -> ProfileValidationError:
        """An error with one located problem."""
        return cls([FieldError(loc=loc, message=message, type=type_)])


class DuplicateIdentityError(ProfileValidationError):
    """An identity of a new or changed profile is already used by another partner."""


class CertificateReason(StrEnum):
    """Why a certificate, chain or key was refused; stable codes for APIs and audit records."""

    EMPTY = "empty"
    UNSUPPORTED_FORMAT = "unsupported_format"
    BAD_PASSWORD = "bad_password"  # noqa: S105 - a reason code, not a password
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WEAK_KEY = "weak_key"
    UNSUPPORTED_KEY = "unsupported_key"
    WEAK_SIGNATURE = "weak_signature"
    BAD_SIGNATURE = "bad_signature"
    KEY_MISMATCH = "key_mismatch"
    INVALID_REQUEST = "invalid_request"


class CertificateError(PartnersError):
    """A certificate, certificate chain or private key cannot be used; ``reason`` says why."""

    def __init__(self, reason: CertificateReason, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{message} [{reason.value}]")


class SshKeyError(PartnersError, ValueError):
    """An OpenSSH public key line is malformed, of a refused type or too weak."""


class SealError(PartnersError):
    """Sealed secret material cannot be opened: wrong master key, tampered or not a sealed blob."""
