"""Is a partner ready to exchange messages? Plain-words findings from its profile and the certificates
on both sides, for the onboarding check (before a test message is sent) and the admin API.

Errors mean a message would fail (nothing to encrypt to, no key to sign with); warnings mean
something will need attention (a certificate expiring, no outbound transport yet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from partners.as2_settings import As2Settings, MdnMode
from partners.certificates import Severity
from partners.errors import Loc
from partners.keys import CertificateUsage
from partners.profile import PartnerProfile
from partners.rollover import ManagedCertificate, active_certificates, expiry_warnings

AS2: Loc = ("transports", "as2")


@dataclass(frozen=True, slots=True)
class Finding:
    """One readiness finding; ``loc`` points at the profile setting it concerns."""

    severity: Severity
    code: str
    loc: Loc
    message: str


def _error(code: str, loc: Loc, message: str) -> Finding:
    return Finding(Severity.ERROR, code, loc, message)


def _warning(code: str, loc: Loc, message: str) -> Finding:
    return Finding(Severity.WARNING, code, loc, message)


@dataclass(frozen=True, slots=True)
class _CertificateNeed:
    """An AS2 setting that needs an active certificate of one side with one usage."""

    applies: Callable[[As2Settings], bool]
    partner_side: bool
    usage: CertificateUsage
    code: str
    setting: str
    message: str


def _verifies_partner_signatures(as2: As2Settings) -> bool:
    return as2.require_signed_inbound or (as2.mdn_signed and as2.mdn_mode is not MdnMode.NONE)


AS2_CERTIFICATE_NEEDS: Final = (
    _CertificateNeed(
        lambda as2: as2.encrypt,
        True,
        CertificateUsage.ENCRYPT,
        "no_partner_encryption_certificate",
        "encrypt",
        "messages are encrypted, but the partner has no active encryption certificate",
    ),
    _CertificateNeed(
        lambda as2: as2.sign,
        False,
        CertificateUsage.SIGN,
        "no_own_signing_certificate",
        "sign",
        "messages are signed, but we have no active signing certificate",
    ),
    _CertificateNeed(
        _verifies_partner_signatures,
        True,
        CertificateUsage.SIGN,
        "no_partner_verification_certificate",
        "require_signed_inbound",
        "the partner's signed messages or MDNs cannot be verified: it has no active signing certificate",
    ),
    _CertificateNeed(
        lambda as2: as2.require_encrypted_inbound,
        False,
        CertificateUsage.ENCRYPT,
        "no_own_decryption_certificate",
        "require_encrypted_inbound",
        "inbound messages must be encrypted, but we have no active encryption certificate",
    ),
)


def _as2_findings(
    as2: As2Settings, theirs: list[ManagedCertificate], ours: list[ManagedCertificate], now: dt.datetime
) -> list[Finding]:
    findings = [
        Finding(Severity.ERROR, need.code, (*AS2, need.setting), need.message)
        for need in AS2_CERTIFICATE_NEEDS
        if need.applies(as2)
        and not active_certificates(theirs if need.partner_side else ours, now, need.usage)
    ]
    if as2.tls_client_cert_ref is not None:
        tls = {c.info.fingerprint_sha256 for c in active_certificates(ours, now, CertificateUsage.TLS)}
        if as2.tls_client_cert_ref not in tls:
            message = "the TLS client certificate is not one of our active TLS certificates"
            findings.append(
                _error("tls_client_certificate_unavailable", (*AS2, "tls_client_cert_ref"), message)
            )
    return findings


def _expiry_findings(certs: list[ManagedCertificate], now: dt.datetime, whose: str) -> list[Finding]:
    findings = []
    for warning in expiry_warnings(certs, now):
        if not warning.expired:
            message = f"{whose} certificate {warning.subject} expires in {warning.days_left} days"
            findings.append(_warning("certificate_expiring", (), message))
    return findings


def readiness(
    profile: PartnerProfile,
    partner_certificates: Iterable[ManagedCertificate],
    own_certificates: Iterable[ManagedCertificate],
    now: dt.datetime,
) -> tuple[Finding, ...]:
    """Every finding for ``profile`` at ``now``, errors first. No finding means ready."""
    theirs, ours = list(partner_certificates), list(own_certificates)
    findings: list[Finding] = []
    if not profile.enabled:
        findings.append(_error("partner_disabled", ("enabled",), "the partner is disabled"))
    if profile.transports.outbound is None:
        findings.append(
            _warning(
                "no_outbound_transport",
                ("transports", "outbound"),
                "no outbound transport is chosen: documents cannot be sent to this partner",
            )
        )
    if not profile.formats:
        findings.append(_warning("no_formats", ("formats",), "no document formats are agreed yet"))
    if profile.transports.as2 is not None:
        findings += _as2_findings(profile.transports.as2, theirs, ours, now)
        findings += _expiry_findings(theirs, now, "the partner's") + _expiry_findings(ours, now, "our")
    return tuple(sorted(findings, key=lambda f: f.severity is not Severity.ERROR))
