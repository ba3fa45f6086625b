"""Certificate uploads in every format (openssl as the independent producer), description and checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID

from partners.certificates import (
    CertificateProblem,
    KeyType,
    Severity,
    certificate_problems,
    describe,
    ensure_usable,
    load_certificates,
    parse_certificates,
)
from partners.chains import chain_problems, order_chain
from partners.errors import CertificateError, CertificateReason
from partners.signatures import is_signed_by
from tests.partners.certs import DER, NOW, ec_key, make_cert, name, openssl, pem, rsa_key

needs_openssl = pytest.mark.usefixtures("openssl_cli")


@pytest.fixture(scope="module")
def chain() -> tuple[x509.Certificate, x509.Certificate]:
    ca_key = rsa_key(2048, 1)
    ca = make_cert("Test CA", key=ca_key, ca=True, serial=1)
    leaf = make_cert("acme-as2", issuer=(name("Test CA"), ca_key), serial=0xBEEF)
    return leaf, ca


def fingerprints(certs: tuple[x509.Certificate, ...]) -> list[bytes]:
    return [c.fingerprint(hashes.SHA256()) for c in certs]


def test_describe_reports_the_certificate_as_data(chain: tuple[x509.Certificate, x509.Certificate]) -> None:
    leaf, ca = chain
    info = describe(leaf)
    assert info.subject == "CN=acme-as2,O=Test"
    assert info.issuer == "CN=Test CA,O=Test"
    assert info.common_name == "acme-as2"
    assert info.serial_number == "beef"
    assert info.key_type is KeyType.RSA
    assert info.key_size == 2048
    assert info.fingerprint_sha256 == leaf.fingerprint(hashes.SHA256()).hex()
    assert (
        info.subject_key_identifier
        == x509.SubjectKeyIdentifier.from_public_key(leaf.public_key()).digest.hex()
    )
    assert info.signature_hash == "sha256"
    assert (info.is_ca, info.self_signed) == (False, False)
    assert (describe(ca).is_ca, describe(ca).self_signed) == (True, True)
    assert info.is_valid_at(NOW)
    assert info.seconds_to_expiry(NOW) == 365 * 86400
    assert x509.load_pem_x509_certificate(info.pem.encode()) == leaf


def test_key_usage_and_extended_key_usage_are_named() -> None:
    usage = x509.KeyUsage(True, True, True, False, False, False, False, False, False)
    cert = make_cert(
        key_usage=usage, eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION, x509.ObjectIdentifier("1.2.3.4")]
    )
    info = describe(cert)
    assert info.key_usage == ("digital_signature", "content_commitment", "key_encipherment")
    assert info.extended_key_usage == ("emailProtection", "1.2.3.4")


def test_pem_bundle_and_der_round_trip(chain: tuple[x509.Certificate, x509.Certificate]) -> None:
    assert load_certificates(pem(*chain)) == chain
    assert load_certificates(chain[0].public_bytes(DER)) == (chain[0],)
    infos = parse_certificates(pem(*chain))
    assert [i.common_name for i in infos] == ["acme-as2", "Test CA"]


@needs_openssl
@pytest.mark.parametrize("outform", ["PEM", "DER"])
def test_p7b_chain_made_by_openssl(
    chain: tuple[x509.Certificate, x509.Certificate], tmp_path: Path, outform: str
) -> None:
    (tmp_path / "chain.pem").write_bytes(pem(*chain))
    p7b = openssl("crl2pkcs7", "-nocrl", "-certfile", "chain.pem", "-outform", outform, cwd=tmp_path)
    assert fingerprints(load_certificates(p7b)) == fingerprints(chain)


@needs_openssl
def test_p12_made_by_openssl_needs_its_password(
    chain: tuple[x509.Certificate, x509.Certificate], tmp_path: Path
) -> None:
    key_pem = rsa_key().private_bytes(
        PEM_ENC, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (tmp_path / "key.pem").write_bytes(key_pem)
    (tmp_path / "cert.pem").write_bytes(pem(chain[0]))
    (tmp_path / "ca.pem").write_bytes(pem(chain[1]))
    p12 = openssl(
        "pkcs12",
        "-export",
        "-inkey",
        "key.pem",
        "-in",
        "cert.pem",
        "-certfile",
        "ca.pem",
        "-passout",
        "pass:s3cret",
        cwd=tmp_path,
    )
    certs = load_certificates(p12, b"s3cret")
    assert fingerprints(certs) == fingerprints(chain)
    for wrong in (b"wrong", None):
        with pytest.raises(CertificateError) as caught:
            load_certificates(p12, wrong)
        assert caught.value.reason is CertificateReason.BAD_PASSWORD


PEM_ENC = serialization.Encoding.PEM


@needs_openssl
def test_fingerprint_and_serial_agree_with_openssl(
    chain: tuple[x509.Certificate, x509.Certificate], tmp_path: Path
) -> None:
    (tmp_path / "leaf.pem").write_bytes(pem(chain[0]))
    out = openssl(
        "x509", "-in", "leaf.pem", "-noout", "-fingerprint", "-sha256", "-serial", cwd=tmp_path
    ).decode()
    lines = dict(line.split("=", 1) for line in out.strip().splitlines())
    info = describe(chain[0])
    assert lines["sha256 Fingerprint"].replace(":", "").lower() == info.fingerprint_sha256
    assert int(lines["serial"], 16) == int(info.serial_number, 16)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", CertificateReason.EMPTY),
        (b"   \n", CertificateReason.EMPTY),
        (b"not a certificate", CertificateReason.UNSUPPORTED_FORMAT),
        (b"\x30\x03\x02\x01\x05", CertificateReason.UNSUPPORTED_FORMAT),
        (
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            CertificateReason.UNSUPPORTED_FORMAT,
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            CertificateReason.UNSUPPORTED_FORMAT,
        ),
    ],
)
def test_unreadable_uploads_are_refused_with_a_reason(data: bytes, reason: CertificateReason) -> None:
    with pytest.raises(CertificateError) as caught:
        load_certificates(data)
    assert caught.value.reason is reason


def reasons(problems: tuple[CertificateProblem, ...]) -> set[tuple[CertificateReason, Severity]]:
    return {(p.reason, p.severity) for p in problems}


def test_a_good_certificate_has_no_problems(chain: tuple[x509.Certificate, x509.Certificate]) -> None:
    assert certificate_problems(chain[0], NOW) == ()
    assert certificate_problems(make_cert(key=ec_key()), NOW) == ()
    ensure_usable(chain[0], NOW)


def test_expired_certificate_is_an_error() -> None:
    cert = make_cert(not_before=NOW - dt.timedelta(days=400), not_after=NOW - dt.timedelta(seconds=1))
    assert reasons(certificate_problems(cert, NOW)) == {(CertificateReason.EXPIRED, Severity.ERROR)}
    with pytest.raises(CertificateError, match="expired on 2026-11-15"):
        ensure_usable(cert, NOW)


def test_not_yet_valid_is_a_warning_unless_asked_otherwise() -> None:
    cert = make_cert(not_before=NOW + dt.timedelta(days=10), not_after=NOW + dt.timedelta(days=400))
    assert reasons(certificate_problems(cert, NOW)) == {(CertificateReason.NOT_YET_VALID, Severity.WARNING)}
    ensure_usable(cert, NOW)
    with pytest.raises(CertificateError) as caught:
        ensure_usable(cert, NOW, allow_not_yet_valid=False)
    assert caught.value.reason is CertificateReason.NOT_YET_VALID


def test_weak_rsa_key_is_refused() -> None:
    cert = make_cert(key=rsa_key(1024))
    assert reasons(certificate_problems(cert, NOW)) == {(CertificateReason.WEAK_KEY, Severity.ERROR)}


def test_dsa_key_is_unsupported() -> None:
    key = dsa.generate_private_key(2048)
    cert = make_cert(key=key)
    assert (CertificateReason.UNSUPPORTED_KEY, Severity.ERROR) in reasons(certificate_problems(cert, NOW))
    assert describe(cert).key_type is KeyType.DSA


@needs_openssl
def test_sha1_signed_leaf_made_by_openssl_is_a_warning(tmp_path: Path) -> None:
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Old CA",
        "-days",
        "30",
        cwd=tmp_path,
    )
    openssl(
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=old-partner",
        cwd=tmp_path,
    )
    openssl(
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-set_serial",
        "7",
        "-sha1",
        "-days",
        "30",
        "-out",
        "leaf.pem",
        cwd=tmp_path,
    )
    (cert,) = load_certificates((tmp_path / "leaf.pem").read_bytes())
    assert describe(cert).signature_hash == "sha1"
    now = describe(cert).not_before + dt.timedelta(days=1)
    assert reasons(certificate_problems(cert, now)) == {(CertificateReason.WEAK_SIGNATURE, Severity.WARNING)}
    ensure_usable(cert, now)


@needs_openssl
def test_sha1_self_signed_certificate_made_by_openssl_verifies(tmp_path: Path) -> None:
    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "k.pem",
        "-out",
        "c.pem",
        "-sha1",
        "-subj",
        "/CN=legacy-as2",
        "-days",
        "30",
        cwd=tmp_path,
    )
    (cert,) = load_certificates((tmp_path / "c.pem").read_bytes())
    info = describe(cert)
    assert (info.signature_hash, info.self_signed) == ("sha1", True)
    assert certificate_problems(cert, info.not_before + dt.timedelta(hours=1)) == ()


def test_tampered_self_signed_certificate_fails_its_signature() -> None:
    der = bytearray(make_cert("selfie").public_bytes(DER))
    der[-10] ^= 0x01  # inside the signature bit string
    cert = x509.load_der_x509_certificate(bytes(der))
    assert (CertificateReason.BAD_SIGNATURE, Severity.ERROR) in reasons(certificate_problems(cert, NOW))
    with pytest.raises(CertificateError) as caught:
        ensure_usable(cert, NOW)
    assert caught.value.reason is CertificateReason.BAD_SIGNATURE


def test_chain_order_is_checked_and_can_be_restored(chain: tuple[x509.Certificate, x509.Certificate]) -> None:
    assert chain_problems(chain) == ()
    (problem,) = chain_problems((chain[1], chain[0]))
    assert problem.reason is CertificateReason.BAD_SIGNATURE
    assert order_chain((chain[1], chain[0])) == chain
    stranger = make_cert("stranger", key=rsa_key(2048, 2))
    assert order_chain((chain[1], stranger, chain[0])) == (*chain, stranger)
    assert order_chain(()) == ()


def test_is_signed_by_needs_the_issuer_name_and_key(chain: tuple[x509.Certificate, x509.Certificate]) -> None:
    leaf, ca = chain
    assert is_signed_by(leaf, ca)
    assert not is_signed_by(ca, leaf)
    impostor = make_cert("Test CA", key=rsa_key(2048, 3), ca=True)
    assert not is_signed_by(leaf, impostor)


def test_p12_made_by_cryptography_without_password(chain: tuple[x509.Certificate, x509.Certificate]) -> None:
    p12 = pkcs12.serialize_key_and_certificates(
        b"acme", rsa_key(), chain[0], [chain[1]], serialization.NoEncryption()
    )
    assert fingerprints(load_certificates(p12)) == fingerprints(chain)
