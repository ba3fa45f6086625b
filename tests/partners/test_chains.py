"""Whole uploads as the admin API sees them: ordered leaf first, each certificate and the chain checked."""

from __future__ import annotations

import datetime as dt

import pytest

from partners.certificates import Severity
from partners.chains import accept_upload, inspect_upload
from partners.errors import CertificateError, CertificateReason
from tests.partners.certs import NOW, make_cert, name, pem, rsa_key


def test_root_first_upload_is_reported_leaf_first() -> None:
    ca_key = rsa_key(2048, 1)
    ca = make_cert("Upload CA", key=ca_key, ca=True, serial=9)
    leaf = make_cert("acme-as2", issuer=(name("Upload CA"), ca_key))
    report = accept_upload(pem(ca, leaf), NOW)
    assert [c.common_name for c in report.certificates] == ["acme-as2", "Upload CA"]
    assert report.leaf.common_name == "acme-as2"
    assert report.chain == ()
    assert report.problems == ((), ())


def test_expired_leaf_is_refused_with_its_subject() -> None:
    expired = make_cert(
        "old-partner", not_before=NOW - dt.timedelta(days=800), not_after=NOW - dt.timedelta(days=1)
    )
    report = inspect_upload(pem(expired), NOW)
    assert [p.reason for p in report.blocking] == [CertificateReason.EXPIRED]
    with pytest.raises(CertificateError, match="CN=old-partner,O=Test: expired") as caught:
        accept_upload(pem(expired), NOW)
    assert caught.value.reason is CertificateReason.EXPIRED


def test_next_certificate_uploaded_ahead_of_rollover_is_accepted_with_a_warning() -> None:
    upcoming = make_cert(
        "next", not_before=NOW + dt.timedelta(days=20), not_after=NOW + dt.timedelta(days=800)
    )
    report = accept_upload(pem(upcoming), NOW)
    assert [(p.reason, p.severity) for p in report.problems[0]] == [
        (CertificateReason.NOT_YET_VALID, Severity.WARNING)
    ]


def test_unrelated_certificates_are_kept_and_the_broken_link_reported() -> None:
    first, second = make_cert("one", key=rsa_key(2048, 6)), make_cert("two", key=rsa_key(2048, 7))
    report = inspect_upload(pem(first, second), NOW)
    assert [c.common_name for c in report.certificates] == ["one", "two"]
    assert [p.reason for p in report.chain] == [CertificateReason.BAD_SIGNATURE]
    assert report.blocking == ()
