"""Certificates through the admin API and CLI: partner uploads in every format, station keys sealed at
rest and never returned, rollover, expiry listing and metrics, and who may do what."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from gateway.certificates import service
from gateway.cli import app as cli
from gateway.config import Settings, get_settings
from gateway.db import get_database
from gateway.keys import master_key
from gateway.models import Certificate, Role
from gateway.models.base import utcnow
from partners.errors import SealError
from partners.keys import CertificateUsage
from partners.rollover import choose_encryption_cert
from tests.partners.certs import make_cert, openssl, pem, rsa_key
from tests.partners.factories import profile_data


@pytest.fixture
def partner_id(client: TestClient, headers: dict[Role, dict[str, str]]) -> int:
    response = client.post("/v1/admin/partners", json=profile_data(), headers=headers[Role.ONBOARDING])
    return int(response.json()["id"])


def _cert(days_left: int = 365, index: int = 0, cn: str = "ACME AS2") -> x509.Certificate:
    now = utcnow()
    return make_cert(
        cn,
        key=rsa_key(2048, index),
        not_before=now - dt.timedelta(days=30),
        not_after=now + dt.timedelta(days=days_left),
    )


def _upload(
    client: TestClient, headers: dict[str, str], partner_id: int, data: bytes, password: str | None = None
) -> TestClient:
    body = {
        "content_base64": base64.b64encode(data).decode(),
        "usages": ["sign", "encrypt"],
        "password": password,
    }
    return client.post(f"/v1/admin/partners/{partner_id}/certificates", json=body, headers=headers)  # type: ignore[return-value]


def test_partner_certificate_in_every_format(
    client: TestClient, headers: dict[Role, dict[str, str]], partner_id: int, tmp_path: Path
) -> None:
    writer = headers[Role.ONBOARDING]
    pem_cert, der_cert, p7b_cert, p12_cert = (_cert(index=i) for i in range(1, 5))
    (tmp_path / "chain.pem").write_bytes(pem(p7b_cert))
    p7b = openssl("crl2pkcs7", "-nocrl", "-certfile", "chain.pem", "-outform", "DER", cwd=tmp_path)
    p12 = pkcs12.serialize_key_and_certificates(
        b"acme", rsa_key(2048, 4), p12_cert, None, serialization.BestAvailableEncryption(b"s3cret")
    )
    uploads = [
        (pem(pem_cert), None),
        (der_cert.public_bytes(serialization.Encoding.DER), None),
        (p7b, None),
        (p12, "s3cret"),
    ]
    for data, password in uploads:
        response = _upload(client, writer, partner_id, data, password)
        assert response.status_code == 201, response.text  # type: ignore[attr-defined]
        assert response.json()["has_private_key"] is False  # type: ignore[attr-defined]
    listed = client.get(f"/v1/admin/partners/{partner_id}/certificates", headers=headers[Role.AUDITOR]).json()
    assert len(listed) == 4
    assert _upload(client, writer, partner_id, pem(pem_cert)).status_code == 409  # type: ignore[attr-defined]


def test_bad_uploads_say_why(
    client: TestClient, headers: dict[Role, dict[str, str]], partner_id: int
) -> None:
    writer = headers[Role.ONBOARDING]
    expired = _upload(client, writer, partner_id, pem(_cert(days_left=-2, index=5)))
    assert expired.status_code == 422  # type: ignore[attr-defined]
    assert expired.json()["error"] == "expired"  # type: ignore[attr-defined]
    garbage = _upload(client, writer, partner_id, b"not a certificate at all")
    assert garbage.status_code == 422  # type: ignore[attr-defined]
    not_base64 = client.post(
        f"/v1/admin/partners/{partner_id}/certificates",
        json={"content_base64": "%%%", "usages": ["sign"]},
        headers=writer,
    )
    assert not_base64.status_code == 422
    assert not_base64.json()["errors"][0]["loc"] == "content_base64"


def test_roles_for_certificates(
    client: TestClient, headers: dict[Role, dict[str, str]], partner_id: int
) -> None:
    for role in (Role.OPERATOR, Role.AUDITOR, Role.PARTNER):
        assert _upload(client, headers[role], partner_id, pem(_cert(index=6))).status_code == 403  # type: ignore[attr-defined]
    station = {"code": "main", "name": "Main", "identities": {"as2_id": "OURCO"}}
    assert (
        client.post("/v1/admin/stations", json=station, headers=headers[Role.ONBOARDING]).status_code == 403
    )
    assert client.post("/v1/admin/stations", json=station, headers=headers[Role.ADMIN]).status_code == 201
    generate = {"subject": {"common_name": "OURCO"}}
    assert (
        client.post("/v1/admin/stations/1/keys", json=generate, headers=headers[Role.ONBOARDING]).status_code
        == 403
    )


def test_station_key_is_sealed_never_returned_and_usable(
    client: TestClient, headers: dict[Role, dict[str, str]], migrated: Settings
) -> None:
    admin = headers[Role.ADMIN]
    station = client.post(
        "/v1/admin/stations",
        json={"code": "main", "name": "Main", "identities": {"as2_id": "OURCO"}},
        headers=admin,
    ).json()
    made = client.post(
        f"/v1/admin/stations/{station['id']}/keys", json={"subject": {"common_name": "OURCO"}}, headers=admin
    )
    assert made.status_code == 201
    body = made.json()
    assert "PRIVATE KEY" not in made.text
    assert body["certificate"]["has_private_key"] is True
    assert body["csr_pem"].startswith("-----BEGIN CERTIFICATE REQUEST-----")
    with get_database(migrated).sessions() as session:
        row = session.scalar(select(Certificate).where(Certificate.station_id == station["id"]))
        assert row is not None and row.sealed_private_key is not None
        assert b"PRIVATE KEY" not in row.sealed_private_key
        keys = service.station_keys(session, station["id"], [master_key(migrated)])
        with pytest.raises(SealError):
            service.station_keys(session, station["id"], [b"k" * 32])
    assert len(keys) == 1
    public = keys[0].private_key.public_key().public_numbers()
    assert public == keys[0].certificate.public_key().public_numbers()  # type: ignore[union-attr]
    for role in (Role.ONBOARDING, Role.AUDITOR):
        listed = client.get(f"/v1/admin/stations/{station['id']}/certificates", headers=headers[role])
        assert listed.status_code == 200
        assert "PRIVATE KEY" not in listed.text


def test_rollover_prefers_the_newest_active_certificate(migrated: Settings) -> None:
    with get_database(migrated).transaction() as session:
        from gateway.onboarding.service import create_partner

        partner = create_partner(session, profile_data())
        old = service.import_partner_certificate(
            session, partner.id, pem(_cert(days_left=20, index=7)), frozenset({CertificateUsage.ENCRYPT})
        )
        new = service.import_partner_certificate(
            session, partner.id, pem(_cert(days_left=700, index=8)), frozenset({CertificateUsage.ENCRYPT})
        )
        now = utcnow()
        chosen = choose_encryption_cert([service.managed(r) for r in (old, new)], now)
        assert chosen is not None and chosen.info.fingerprint_sha256 == new.fingerprint_sha256
        # the new certificate is announced for next week: until then the old one is used
        service.update_window(session, new.id, active_from=now + dt.timedelta(days=7))
        chosen = choose_encryption_cert([service.managed(r) for r in (old, new)], now)
        assert chosen is not None and chosen.info.fingerprint_sha256 == old.fingerprint_sha256
        assert service.expiring(session, now, 30)[0][0].id == old.id


def test_expiry_is_listed_measured_and_monitorable(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    partner_id: int,
    migrated: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _upload(client, headers[Role.ONBOARDING], partner_id, pem(_cert(days_left=10, index=9)))
    _upload(client, headers[Role.ONBOARDING], partner_id, pem(_cert(days_left=400, index=10)))
    soon = client.get(
        "/v1/admin/certificates/expiring", params={"days": 30}, headers=headers[Role.OPERATOR]
    ).json()
    assert [(c["days_left"], c["expired"]) for c in soon] == [(9, False)]
    metrics = client.get("/metrics").text
    assert metrics.count("edigw_certificate_expiry_seconds{") == 2
    monkeypatch.setenv("EDIGW_DATA_DIR", str(migrated.data_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["certs", "expiring", "--days", "30"])
        assert result.exit_code == 1
        assert "9 days left" in result.output
        assert CliRunner().invoke(cli, ["certs", "expiring", "--days", "5"]).exit_code == 0
    finally:
        get_settings.cache_clear()


def test_certs_dev_sets_up_a_station_and_a_test_partner(
    migrated: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDIGW_DATA_DIR", str(migrated.data_dir))
    get_settings.cache_clear()
    try:
        out = tmp_path / "dev"
        result = CliRunner().invoke(cli, ["certs", "dev", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE((out / "partner-key.pem").stat().st_mode) == 0o600
        x509.load_pem_x509_certificate((out / "station-cert.pem").read_bytes())
        listed = json.loads(CliRunner().invoke(cli, ["certs", "list", "--station", "1", "--json"]).output)
        assert listed[0]["has_private_key"] is True
        partner_certs = json.loads(
            CliRunner().invoke(cli, ["certs", "list", "--partner", "1", "--json"]).output
        )
        assert (
            partner_certs[0]["subject"].endswith("CN=DEV-PARTNER")
            or "DEV-PARTNER" in partner_certs[0]["subject"]
        )
    finally:
        get_settings.cache_clear()
