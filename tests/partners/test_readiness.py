"""Onboarding readiness: which certificates an AS2 profile needs on each side, in plain words."""

from __future__ import annotations

import datetime as dt

from partners.certificates import Severity, describe
from partners.keys import CertificateUsage
from partners.profile import parse_profile, update_profile
from partners.readiness import Finding, readiness
from partners.rollover import ManagedCertificate
from tests.partners.certs import NOW, make_cert
from tests.partners.factories import profile_data

SIGN, ENCRYPT, TLS = CertificateUsage.SIGN, CertificateUsage.ENCRYPT, CertificateUsage.TLS


def managed(cn: str, *usages: CertificateUsage, days_left: int = 365) -> ManagedCertificate:
    cert = make_cert(cn, not_before=NOW - dt.timedelta(days=10), not_after=NOW + dt.timedelta(days=days_left))
    return ManagedCertificate(info=describe(cert), usages=frozenset(usages))


PARTNER = [managed("partner", SIGN, ENCRYPT)]
OURS = [managed("station", SIGN, ENCRYPT)]


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


def test_complete_as2_partner_is_ready() -> None:
    assert readiness(parse_profile(profile_data()), PARTNER, OURS, NOW) == ()


def test_missing_certificates_are_named_with_the_setting_that_needs_them() -> None:
    findings = readiness(parse_profile(profile_data()), [], [], NOW)
    assert {(f.code, f.loc[-1]) for f in findings} == {
        ("no_partner_encryption_certificate", "encrypt"),
        ("no_own_signing_certificate", "sign"),
        ("no_partner_verification_certificate", "require_signed_inbound"),
        ("no_own_decryption_certificate", "require_encrypted_inbound"),
    }
    assert all(f.severity is Severity.ERROR for f in findings)
    messages = {f.code: f.message for f in findings}
    assert messages["no_partner_encryption_certificate"] == (
        "messages are encrypted, but the partner has no active encryption certificate"
    )


def test_relaxed_security_needs_fewer_certificates() -> None:
    relaxed = update_profile(
        parse_profile(profile_data()),
        {
            "transports": {
                "as2": {
                    "encrypt": False,
                    "require_encrypted_inbound": False,
                    "mdn_signed": False,
                    "require_signed_inbound": False,
                }
            }
        },
    )
    assert codes(readiness(relaxed, [], [], NOW)) == ["no_own_signing_certificate"]


def test_tls_client_certificate_must_be_an_active_own_tls_certificate() -> None:
    tls = managed("station-tls", TLS)
    profile = update_profile(
        parse_profile(profile_data()),
        {"transports": {"as2": {"tls_client_cert_ref": tls.info.fingerprint_sha256}}},
    )
    assert readiness(profile, PARTNER, [*OURS, tls], NOW) == ()
    assert codes(readiness(profile, PARTNER, OURS, NOW)) == ["tls_client_certificate_unavailable"]


def test_disabled_partner_and_expiring_certificates() -> None:
    profile = update_profile(parse_profile(profile_data()), {"enabled": False})
    findings = readiness(profile, [managed("partner", SIGN, ENCRYPT, days_left=20)], OURS, NOW)
    assert codes(findings) == ["partner_disabled", "certificate_expiring"]
    assert findings[1].severity is Severity.WARNING
    assert "expires in 20 days" in findings[1].message


def test_profile_without_outbound_transport_or_formats_is_warned_about() -> None:
    bare = parse_profile({"code": "newco", "name": "NewCo"})
    assert codes(readiness(bare, [], [], NOW)) == ["no_outbound_transport", "no_formats"]
