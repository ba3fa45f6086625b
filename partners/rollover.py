"""Several certificates per partner (and per own station), each with usages and a validity window:
which one to encrypt or sign with, which ones to accept, and which ones need attention soon.

Rollover rule (DESIGN §5): encrypt (and sign) with the newest active certificate; verify and decrypt
with any active one. A certificate is active when ``now`` lies inside both its own validity period and
the window an operator set for it (e.g. to schedule a switch-over date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from partners._located import Issue, raise_issues
from partners.certificates import CertificateInfo
from partners.keys import CertificateUsage

EXPIRY_WARNING_DAYS: Final = (60, 30, 7)
SECONDS_PER_DAY: Final = 86400


class ManagedCertificate(BaseModel):
    """A stored certificate with what it may be used for and when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    info: CertificateInfo
    usages: frozenset[CertificateUsage] = Field(min_length=1)
    active_from: AwareDatetime | None = Field(None, description="Not used before this, even if valid")
    active_until: AwareDatetime | None = Field(None, description="Not used after this, even if valid")
    enabled: bool = True

    @model_validator(mode="after")
    def _window(self) -> ManagedCertificate:
        if self.active_from and self.active_until and self.active_until <= self.active_from:
            message = "active_until must be after active_from"
            raise_issues(type(self).__name__, [Issue(("active_until",), "window_empty", message)])
        return self

    @property
    def starts(self) -> dt.datetime:
        """When the certificate becomes usable: the later of its validity start and ``active_from``."""
        return max(self.info.not_before, self.active_from or self.info.not_before)

    @property
    def ends(self) -> dt.datetime:
        """When the certificate stops being usable: the earlier of expiry and ``active_until``."""
        return min(self.info.not_after, self.active_until or self.info.not_after)

    def is_active(self, now: dt.datetime, usage: CertificateUsage | None = None) -> bool:
        """Enabled, inside its window at ``now`` and, if given, allowed for ``usage``."""
        allowed = usage is None or usage in self.usages
        return self.enabled and allowed and self.starts <= now <= self.ends


def _newest_first(certs: Iterable[ManagedCertificate]) -> list[ManagedCertificate]:
    return sorted(certs, key=lambda c: (c.starts, c.ends, c.info.fingerprint_sha256), reverse=True)


def active_certificates(
    certs: Iterable[ManagedCertificate], now: dt.datetime, usage: CertificateUsage
) -> tuple[ManagedCertificate, ...]:
    """Every certificate active for ``usage`` at ``now``, newest first."""
    return tuple(_newest_first(c for c in certs if c.is_active(now, usage)))


def choose_encryption_cert(
    certs: Iterable[ManagedCertificate], now: dt.datetime
) -> ManagedCertificate | None:
    """The partner certificate to encrypt to: the newest active one with the encrypt usage."""
    return next(iter(active_certificates(certs, now, CertificateUsage.ENCRYPT)), None)


def choose_signing_cert(certs: Iterable[ManagedCertificate], now: dt.datetime) -> ManagedCertificate | None:
    """Our certificate to sign with: the newest active one with the sign usage."""
    return next(iter(active_certificates(certs, now, CertificateUsage.SIGN)), None)


def verification_candidates(
    certs: Iterable[ManagedCertificate], now: dt.datetime
) -> tuple[ManagedCertificate, ...]:
    """Partner certificates a signature may verify against: all active sign certificates, newest first."""
    return active_certificates(certs, now, CertificateUsage.SIGN)


def decryption_candidates(
    certs: Iterable[ManagedCertificate], now: dt.datetime
) -> tuple[ManagedCertificate, ...]:
    """Our certificates whose keys may decrypt an inbound message: all active encrypt certificates."""
    return active_certificates(certs, now, CertificateUsage.ENCRYPT)


@dataclass(frozen=True, slots=True)
class ExpiryWarning:
    """A certificate close to (or past) its end. ``threshold_days`` is the tightest threshold reached,
    ``None`` once expired."""

    fingerprint_sha256: str
    subject: str
    ends: dt.datetime
    seconds_left: int
    threshold_days: int | None

    @property
    def expired(self) -> bool:
        return self.seconds_left < 0

    @property
    def days_left(self) -> int:
        """Whole days left, rounded down (negative once expired)."""
        return self.seconds_left // SECONDS_PER_DAY


def _threshold(seconds_left: int, thresholds: tuple[int, ...]) -> int | None:
    reached = [days for days in thresholds if seconds_left <= days * SECONDS_PER_DAY]
    return min(reached) if reached else None


def expiry_warnings(
    certs: Iterable[ManagedCertificate],
    now: dt.datetime,
    thresholds: tuple[int, ...] = EXPIRY_WARNING_DAYS,
) -> tuple[ExpiryWarning, ...]:
    """Warnings for enabled certificates whose usable window ends within the largest threshold (60 days
    by default) or has ended, soonest first. Disabled certificates never warn."""
    warnings = []
    for cert in certs:
        seconds_left = int((cert.ends - now).total_seconds())
        threshold = _threshold(seconds_left, thresholds)
        if cert.enabled and (seconds_left < 0 or threshold is not None):
            threshold = None if seconds_left < 0 else threshold
            warnings.append(
                ExpiryWarning(
                    cert.info.fingerprint_sha256, cert.info.subject, cert.ends, seconds_left, threshold
                )
            )
    return tuple(sorted(warnings, key=lambda w: (w.seconds_left, w.fingerprint_sha256)))
