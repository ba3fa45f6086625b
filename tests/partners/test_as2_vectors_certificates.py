"""Certificates and keys made by other AS2 products (the shared as2-vectors folder, present in CI):
every one loads, describes like openssl sees it, and each key matches its certificate."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes

from partners.certificates import (
    Severity,
    certificate_problems,
    describe,
    load_certificates,
)
from partners.chains import chain_problems, order_chain
from partners.errors import CertificateReason
from partners.keys import certificate_matches_key, load_key_bundle, load_private_key
from tests.conftest import require_available
from tests.partners.certs import openssl

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "as2-vectors"


@pytest.fixture(autouse=True)
def _vectors_present() -> None:
    require_available((VECTORS / "MANIFEST.tsv").exists(), f"the shared AS2 vectors are missing at {VECTORS}")


def manifest(kind: str) -> list[dict[str, str]]:
    if not (VECTORS / "MANIFEST.tsv").exists():
        return []
    with (VECTORS / "MANIFEST.tsv").open(newline="") as handle:
        return [row for row in csv.DictReader(handle, delimiter="\t") if row["kind"] == kind]


CERT_FILES = [row["file"] for row in manifest("cert")]
KEY_PAIRS = [
    ("pyas2-lib/cert_test.pem", "test", "pyas2-lib/cert_test_public.pem"),
    ("pyas2-lib/cert_oldpyas2_private.pem", "password", "pyas2-lib/cert_oldpyas2_private.pem"),
    ("node-libas2/libas2community.key", "", "node-libas2/libas2community.cer"),
    ("phpas2/server.pem", "", "phpas2/server.crt"),
]


@pytest.mark.parametrize("name", CERT_FILES)
def test_every_vector_certificate_loads_as_openssl_reads_it(name: str) -> None:
    certs = load_certificates((VECTORS / name).read_bytes())
    assert certs
    require_available(shutil.which("openssl"), "the openssl CLI is not installed")
    out = openssl(
        "x509", "-in", str(VECTORS / name), "-noout", "-fingerprint", "-sha256", "-serial", cwd=VECTORS
    )
    fields = dict(line.split("=", 1) for line in out.decode().strip().splitlines())
    first = describe(certs[0])
    assert first.fingerprint_sha256 == fields["sha256 Fingerprint"].replace(":", "").lower()
    assert int(first.serial_number, 16) == int(fields["serial"], 16)


@pytest.mark.parametrize("name", CERT_FILES)
def test_vector_certificates_have_no_blocking_problem_inside_their_validity(name: str) -> None:
    for cert in load_certificates((VECTORS / name).read_bytes()):
        info = describe(cert)
        midpoint = info.not_before + (info.not_after - info.not_before) / 2
        blocking = [p for p in certificate_problems(cert, midpoint) if p.severity is Severity.ERROR]
        assert blocking == [], f"{name}: {blocking}"
        after = certificate_problems(cert, info.not_after + dt.timedelta(days=1))
        assert CertificateReason.EXPIRED in {p.reason for p in after}


def test_sterling_certificate_chain_links_up() -> None:
    leaf = load_certificates((VECTORS / "pyas2-lib/cert_sb2bi_public.pem").read_bytes())
    ca = load_certificates((VECTORS / "pyas2-lib/cert_sb2bi_public.ca").read_bytes())
    assert chain_problems(ca + leaf) != ()
    ordered = order_chain(ca + leaf)
    assert ordered[0] == leaf[0]
    assert [describe(c).common_name for c in ordered[1:]] == [
        "Entrust Certification Authority - L1K",
        "Entrust Root Certification Authority - G2",
    ]
    assert chain_problems(ordered) == ()


@pytest.mark.parametrize(("key_file", "password", "cert_file"), KEY_PAIRS)
def test_vector_keys_match_their_certificates(key_file: str, password: str, cert_file: str) -> None:
    key = load_private_key((VECTORS / key_file).read_bytes(), password.encode() or None)
    (cert,) = load_certificates((VECTORS / cert_file).read_bytes())
    assert certificate_matches_key(cert, key)


def test_legacy_sha1_self_signed_certificate_verifies() -> None:
    (cert,) = load_certificates((VECTORS / "pyas2-lib/cert_oldpyas2_public.pem").read_bytes())
    info = describe(cert)
    assert (info.signature_hash, info.self_signed) == ("sha1", True)
    assert certificate_problems(cert, info.not_before + dt.timedelta(days=1)) == ()


def test_pyas2lib_pkcs12_bundle() -> None:
    bundle = load_key_bundle((VECTORS / "pyas2-lib/cert_test.p12").read_bytes(), b"test")
    (public,) = load_certificates((VECTORS / "pyas2-lib/cert_test_public.pem").read_bytes())
    assert bundle.certificate.fingerprint(hashes.SHA256()) == public.fingerprint(hashes.SHA256())
    assert certificate_matches_key(public, load_private_key(bundle.private_key_pem))
