"""The auditor's evidence: a received AS2 message exported as a bundle and verified offline, and every
kind of tampering with the bundle caught."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.audit.evidence import verify_bundle
from gateway.auth.service import create_token
from gateway.cli import app as cli
from gateway.config import Settings, get_settings
from gateway.db import get_database
from gateway.models import Role
from tests.gateway.as2.keys import Identity
from tests.gateway.as2.openssl_peer import OpenSSLPeer
from tests.gateway.as2.test_receive_endpoint import _partner, _signed_encrypted, _station


@pytest.fixture
def client(migrated: Settings, us: Identity, partner: Identity) -> Iterator[TestClient]:
    _station(migrated, us)
    _partner(migrated, partner)
    with TestClient(create_app(migrated)) as test_client:
        yield test_client


def _token(settings: Settings, role: Role) -> dict[str, str]:
    with get_database(settings).transaction() as session:
        _, secret = create_token(session, role.value, role)
    return {"Authorization": f"Bearer {secret}"}


def _bundle(client: TestClient, peer: OpenSSLPeer, settings: Settings) -> bytes:
    headers, body = _signed_encrypted(peer, "<evidence-1@partner>")
    assert client.post("/as2", content=body, headers=headers).status_code == 200
    auditor = _token(settings, Role.AUDITOR)
    [exchange] = client.get(
        "/v1/exchanges", params={"message_id": "<evidence-1@partner>"}, headers=auditor
    ).json()
    response = client.get(f"/v1/exchanges/{exchange['id']}/evidence", headers=auditor)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    return response.content


def _rewrite(bundle: bytes, change: dict[str, bytes]) -> bytes:
    source, out = zipfile.ZipFile(io.BytesIO(bundle)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, change.get(name, source.read(name)))
    return out.getvalue()


def _manifest(bundle: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("manifest.json"))


def test_bundle_of_a_received_message_holds(
    client: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    report = verify_bundle(_bundle(client, peer, migrated))
    failed = [(c.name, c.detail) for c in report.checks if not c.ok]
    assert report.ok, failed
    names = {c.name for c in report.checks}
    assert {
        "chain",
        "message signature",
        "MIC",
        "MDN signature",
        "MDN answers the message",
        "MDN MIC",
    } <= names
    disposition = next(c.detail for c in report.checks if c.name == "MDN disposition")
    assert disposition.endswith("processed")


def test_cli_verifies_offline_and_exports(
    client: TestClient, peer: OpenSSLPeer, migrated: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "evidence.zip"
    path.write_bytes(_bundle(client, peer, migrated))
    result = CliRunner().invoke(cli, ["evidence", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "evidence holds" in result.output
    monkeypatch.setenv("EDIGW_DATA_DIR", str(migrated.data_dir))
    get_settings.cache_clear()
    try:
        exported = tmp_path / "again.zip"
        assert CliRunner().invoke(cli, ["evidence", "export", "1", "-o", str(exported)]).exit_code == 0
        assert verify_bundle(exported.read_bytes()).ok
    finally:
        get_settings.cache_clear()


def test_altered_payload_is_caught(client: TestClient, peer: OpenSSLPeer, migrated: Settings) -> None:
    bundle = _bundle(client, peer, migrated)
    payload = next(r["file"] for r in _manifest(bundle)["records"] if r["fields"]["kind"] == "as2-inbound")
    report = verify_bundle(_rewrite(bundle, {payload: b"ISA*forged"}))
    assert not report.ok
    assert any(not c.ok and c.detail.endswith("does NOT match its archived SHA-256") for c in report.checks)


def test_altered_record_fields_are_caught(client: TestClient, peer: OpenSSLPeer, migrated: Settings) -> None:
    bundle = _bundle(client, peer, migrated)
    manifest = _manifest(bundle)
    manifest["records"][0]["fields"]["meta"]["filename"] = "other.edi"
    report = verify_bundle(_rewrite(bundle, {"manifest.json": json.dumps(manifest).encode()}))
    assert [c.detail for c in report.checks if not c.ok] == ["record fields were altered"]


def test_forged_mdn_is_caught(client: TestClient, peer: OpenSSLPeer, migrated: Settings) -> None:
    bundle = _bundle(client, peer, migrated)
    manifest = _manifest(bundle)
    mdn = next(r for r in manifest["records"] if r["fields"]["kind"] == "as2-mdn-out")
    body = zipfile.ZipFile(io.BytesIO(bundle)).read(mdn["file"])
    forged = body.replace(b"; processed", b"; processed/error: decryption-failed", 1)
    report = verify_bundle(_rewrite(bundle, {mdn["file"]: forged}))
    failing = {c.name for c in report.checks if not c.ok}
    assert f"record {mdn['fields']['seq']} content" in failing
    assert "MDN signature" in failing


def test_broken_chain_is_caught(client: TestClient, peer: OpenSSLPeer, migrated: Settings) -> None:
    bundle = _bundle(client, peer, migrated)
    manifest = _manifest(bundle)
    del manifest["links"][1]
    report = verify_bundle(_rewrite(bundle, {"manifest.json": json.dumps(manifest).encode()}))
    assert [c.name for c in report.checks if not c.ok] == ["chain"]


def test_only_auditors_read_bytes_and_evidence(
    client: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    _bundle(client, peer, migrated)
    operator, auditor = _token(migrated, Role.OPERATOR), _token(migrated, Role.AUDITOR)
    assert client.get("/v1/exchanges/1/evidence", headers=operator).status_code == 403
    assert client.get("/v1/archive/records/1/content", headers=operator).status_code == 403
    raw = client.get("/v1/archive/records/1/content", headers=auditor)
    assert raw.status_code == 200
    assert raw.headers["x-archive-kind"] == "as2-inbound"
    assert client.get("/v1/exchanges", headers=operator).status_code == 200
    events = client.get("/v1/audit-events", params={"action": "archive.read"}, headers=auditor).json()
    assert events and events[0]["object_id"] == "1"


def test_garbage_is_not_a_bundle() -> None:
    report = verify_bundle(b"not a zip")
    assert not report.ok
    assert report.checks[0].name == "bundle"


def test_bundle_uploaded_to_the_api_is_verified(
    client: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    bundle = _bundle(client, peer, migrated)
    auditor = _token(migrated, Role.AUDITOR) | {"Content-Type": "application/octet-stream"}
    good = client.post("/v1/evidence/verify", content=bundle, headers=auditor).json()
    assert good["ok"] is True
    bad = client.post("/v1/evidence/verify", content=bundle[:-10], headers=auditor).json()
    assert bad["ok"] is False


def test_search_by_disposition_document_and_partner(
    client: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    _bundle(client, peer, migrated)
    auditor = _token(migrated, Role.AUDITOR)
    found = client.get("/v1/exchanges", params={"disposition": "; processed"}, headers=auditor).json()
    assert [e["message_id"] for e in found] == ["evidence-1@partner"]
    assert found[0]["mdn_disposition"] == "automatic-action/MDN-sent-automatically; processed"
    assert (
        client.get("/v1/exchanges", params={"disposition": "decryption-failed"}, headers=auditor).json() == []
    )
    assert client.get("/v1/exchanges", params={"partner_id": 999}, headers=auditor).json() == []
