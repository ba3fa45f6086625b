"""Own key pairs, self-signed certificates and CSRs, checked by reading them back and with openssl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from partners.certificates import certificate_problems, describe, load_certificates
from partners.errors import CertificateError, CertificateReason
from partners.keys import (
    CertificateUsage,
    DistinguishedName,
    KeyPair,
    certificate_matches_key,
    certificate_signing_request,
    generate_key_pair,
    load_key_bundle,
    load_private_key,
    self_signed_certificate,
)
from tests.partners.certs import NOW, make_cert, openssl, rsa_key

needs_openssl = pytest.mark.usefixtures("openssl_cli")
BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})
SUBJECT = DistinguishedName(common_name="edigw-station", organization="Example Manufacturing", country="DE")


@pytest.fixture(scope="module")
def pair() -> KeyPair:
    return generate_key_pair(2048)


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
def test_generated_key_has_the_requested_size(bits: int) -> None:
    generated = generate_key_pair(bits)
    assert load_private_key(generated.private_key_pem).key_size == bits
    public = serialization.load_pem_public_key(generated.public_key_pem)
    assert public == load_private_key(generated.private_key_pem).public_key()


def test_other_key_sizes_are_refused() -> None:
    with pytest.raises(CertificateError) as caught:
        generate_key_pair(1024)
    assert caught.value.reason is CertificateReason.INVALID_REQUEST


def test_passphrase_protected_private_key() -> None:
    generated = generate_key_pair(2048, passphrase=b"correct horse")
    assert b"ENCRYPTED PRIVATE KEY" in generated.private_key_pem
    assert load_private_key(generated.private_key_pem, b"correct horse").key_size == 2048
    for wrong in (b"wrong", None):
        with pytest.raises(CertificateError) as caught:
            load_private_key(generated.private_key_pem, wrong)
        assert caught.value.reason is CertificateReason.BAD_PASSWORD


def test_non_rsa_and_garbage_keys_are_refused() -> None:
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(CertificateError) as caught:
        load_private_key(ec_pem)
    assert caught.value.reason is CertificateReason.UNSUPPORTED_KEY
    with pytest.raises(CertificateError) as garbage:
        load_private_key(b"\x30\x00")
    assert garbage.value.reason is CertificateReason.UNSUPPORTED_FORMAT


def test_self_signed_certificate_for_as2(pair: KeyPair) -> None:
    (cert,) = load_certificates(
        self_signed_certificate(pair.private_key_pem, SUBJECT, NOW, validity_days=365)
    )
    info = describe(cert)
    assert info.subject == "CN=edigw-station,O=Example Manufacturing,C=DE"
    assert info.self_signed
    assert not info.is_ca
    assert info.not_before == NOW - dt.timedelta(hours=1)
    assert info.not_after == NOW + dt.timedelta(days=365)
    assert info.key_usage == (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
    )
    assert info.extended_key_usage == ()
    assert info.subject_key_identifier == info.authority_key_identifier
    assert certificate_problems(cert, NOW) == ()
    assert certificate_matches_key(cert, load_private_key(pair.private_key_pem))
    assert not certificate_matches_key(make_cert(), load_private_key(pair.private_key_pem))


def test_tls_usage_adds_extended_key_usage_and_names(pair: KeyPair) -> None:
    usages = frozenset({CertificateUsage.TLS, CertificateUsage.SIGN})
    pem = self_signed_certificate(
        pair.private_key_pem, SUBJECT, NOW, usages=usages, dns_names=("as2.example.com",)
    )
    (cert,) = load_certificates(pem)
    info = describe(cert)
    assert info.extended_key_usage == ("serverAuth", "clientAuth", "emailProtection")
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["as2.example.com"]


def test_invalid_generation_requests(pair: KeyPair) -> None:
    for usages, days in ((frozenset[CertificateUsage](), 30), (BOTH, 0), (BOTH, 5000)):
        with pytest.raises(CertificateError) as caught:
            self_signed_certificate(pair.private_key_pem, SUBJECT, NOW, usages=usages, validity_days=days)
        assert caught.value.reason is CertificateReason.INVALID_REQUEST


def test_encrypted_key_signs_with_its_passphrase() -> None:
    generated = generate_key_pair(2048, passphrase=b"pw")
    pem = self_signed_certificate(generated.private_key_pem, SUBJECT, NOW, passphrase=b"pw")
    assert describe(load_certificates(pem)[0]).self_signed


@needs_openssl
def test_openssl_verifies_the_self_signed_certificate(pair: KeyPair, tmp_path: Path) -> None:
    now = dt.datetime.now(dt.UTC)
    (tmp_path / "cert.pem").write_bytes(self_signed_certificate(pair.private_key_pem, SUBJECT, now))
    out = openssl("verify", "-check_ss_sig", "-CAfile", "cert.pem", "cert.pem", cwd=tmp_path)
    assert out.strip().endswith(b"OK")


@needs_openssl
def test_openssl_verifies_the_csr(pair: KeyPair, tmp_path: Path) -> None:
    csr_pem = certificate_signing_request(pair.private_key_pem, SUBJECT, dns_names=("as2.example.com",))
    csr = x509.load_pem_x509_csr(csr_pem)
    assert csr.is_signature_valid
    assert csr.subject == SUBJECT.to_x509()
    (tmp_path / "req.pem").write_bytes(csr_pem)
    openssl("req", "-in", "req.pem", "-verify", "-noout", cwd=tmp_path)
    text = openssl("req", "-in", "req.pem", "-noout", "-text", cwd=tmp_path).decode()
    assert "Digital Signature, Non Repudiation, Key Encipherment, Data Encipherment" in text
    assert "DNS:as2.example.com" in text


@needs_openssl
def test_key_bundle_from_openssl_p12(pair: KeyPair, tmp_path: Path) -> None:
    (tmp_path / "key.pem").write_bytes(pair.private_key_pem)
    (tmp_path / "cert.pem").write_bytes(self_signed_certificate(pair.private_key_pem, SUBJECT, NOW))
    p12 = openssl(
        "pkcs12", "-export", "-inkey", "key.pem", "-in", "cert.pem", "-passout", "pass:pw", cwd=tmp_path
    )
    bundle = load_key_bundle(p12, b"pw")
    assert certificate_matches_key(bundle.certificate, load_private_key(bundle.private_key_pem))
    assert bundle.chain == ()
    with pytest.raises(CertificateError) as caught:
        load_key_bundle(p12, b"nope")
    assert caught.value.reason is CertificateReason.BAD_PASSWORD


def test_key_bundle_refuses_a_foreign_certificate_or_a_missing_key() -> None:
    foreign = pkcs12.serialize_key_and_certificates(
        b"x", rsa_key(2048, 5), None, [make_cert()], serialization.NoEncryption()
    )
    with pytest.raises(CertificateError) as caught:
        load_key_bundle(foreign, None)
    assert caught.value.reason is CertificateReason.KEY_MISMATCH
    certs_only = pkcs12.serialize_key_and_certificates(
        b"x", None, make_cert(), None, serialization.NoEncryption()
    )
    with pytest.raises(CertificateError) as empty:
        load_key_bundle(certs_only, None)
    assert empty.value.reason is CertificateReason.EMPTY
