"""POST /as2 end to end on a real database, with the openssl CLI as the partner: sync and async MDNs,
negative dispositions, duplicates, archive evidence, limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.as2.tasks import send_mdn
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database
from gateway.keys import master_key
from gateway.models import ArchiveRecord, Exchange, JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.onboarding.service import create_partner
from gateway.outbox import run_job
from partners.keys import CertificateUsage
from tests.gateway.as2.keys import Identity
from tests.gateway.as2.openssl_peer import OpenSSLPeer
from tests.gateway.edi_samples import x12_850
from tests.gateway.erp_server import erp_endpoint

BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})


def _station(settings: Settings, us: Identity) -> None:
    p12 = pkcs12.serialize_key_and_certificates(
        b"us", us.pair.private_key, us.cert, None, serialization.NoEncryption()
    )
    with get_database(settings).transaction() as session:
        from partners.profile import PartnerIdentities

        station = certs.create_station(session, "main", "Main", PartnerIdentities(as2_id="gateway"))
        certs.import_station_key(session, station.id, p12, None, BOTH, master_key(settings))


def _partner(settings: Settings, partner: Identity, *, async_url: str | None = None) -> int:
    profile: dict[str, object] = {
        "code": "partner",
        "name": "Partner",
        "identities": {"as2_id": "partner", "x12": [{"isa_qualifier": "ZZ", "isa_id": "ACMESUPPLY"}]},
    }
    if async_url:
        profile["transports"] = {
            "as2": {
                "url": async_url,
                "allow_insecure_http": True,
                "allow_private_network": True,
                "async_mdn_allow_list": [async_url.rsplit("/", 1)[0]],
            }
        }
    with get_database(settings).transaction() as session:
        partner_id = create_partner(session, profile).id
        pem = partner.cert.public_bytes(serialization.Encoding.PEM)
        certs.import_partner_certificate(session, partner_id, pem, BOTH)
        return partner_id


@pytest.fixture
def gateway(migrated: Settings, us: Identity, partner: Identity) -> Iterator[TestClient]:
    _station(migrated, us)
    _partner(migrated, partner)
    with TestClient(create_app(migrated)) as client:
        yield client


def _signed_encrypted(
    peer: OpenSSLPeer, message_id: str = "<po-1@partner>", **extra: str
) -> tuple[dict[str, str], bytes]:
    entity = peer.sign(peer.entity(x12_850(), filename="po.edi"), "sha256")
    return peer.http(
        peer.enveloped_http(peer.encrypt(entity, "aes256_cbc"), "aes256_cbc"), message_id, **extra
    )


def _kinds(settings: Settings) -> list[str]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(ArchiveRecord.kind).order_by(ArchiveRecord.seq)))


def test_signed_encrypted_message_gets_a_signed_mdn_openssl_verifies(
    gateway: TestClient, peer: OpenSSLPeer, us: Identity, migrated: Settings
) -> None:
    headers, body = _signed_encrypted(peer)
    response = gateway.post("/as2", content=body, headers=headers)
    assert response.status_code == 200
    mdn = peer.to_entity(list(response.headers.items()), response.content)
    report = peer.verify(mdn, us)
    assert b"automatic-action/MDN-sent-automatically; processed" in report
    assert b"Received-Content-MIC:" in report
    assert b"po-1@partner" in report
    with get_database(migrated).sessions() as session:
        exchange = session.scalar(select(Exchange))
        assert exchange is not None
        assert (exchange.transport, exchange.message_id, exchange.filename) == (
            "as2",
            "po-1@partner",
            "po.edi",
        )
        assert exchange.meta["layers"] == ["encrypted", "signed"]
        assert exchange.meta["signer_subject"] == "CN=partner"
        assert session.scalar(select(OutboxJob.task)) == "inbound.process_exchange"
    assert _kinds(migrated) == ["as2-inbound", "as2-wire-in", "as2-signed-entity", "as2-mdn-out"]


def test_repeated_message_id_gets_the_stored_mdn(
    gateway: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    headers, body = _signed_encrypted(peer, "<dup@partner>")
    first = gateway.post("/as2", content=body, headers=headers)
    again = gateway.post("/as2", content=body, headers=headers)
    assert again.content == first.content
    assert again.headers["message-id"] == first.headers["message-id"]
    with get_database(migrated).sessions() as session:
        exchanges = list(session.scalars(select(Exchange)))
    assert len(exchanges) == 1
    assert exchanges[0].duplicate_count == 1


def test_unknown_partner_gets_a_negative_mdn_and_the_bytes_are_kept(
    gateway: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    headers, body = _signed_encrypted(peer, **{"AS2-From": "nobody"})
    response = gateway.post("/as2", content=body, headers=headers)
    assert b"processed/error: unknown-trading-partner" in response.content
    assert _kinds(migrated) == ["as2-refused", "as2-mdn-out"]


def test_missing_signature_is_insufficient_security(gateway: TestClient, peer: OpenSSLPeer) -> None:
    entity = peer.entity(x12_850())
    headers, body = peer.http(peer.enveloped_http(peer.encrypt(entity, "aes128_cbc"), "aes128_cbc"))
    response = gateway.post("/as2", content=body, headers=headers)
    assert b"processed/error: insufficient-message-security" in response.content


def test_tampered_message_is_refused_and_its_resend_processed(
    gateway: TestClient, peer: OpenSSLPeer, migrated: Settings
) -> None:
    headers, body = _signed_encrypted(peer, "<retry@partner>")
    truncated = gateway.post("/as2", content=body[:-64], headers=headers)
    assert b"processed/error: decryption-failed" in truncated.content
    middle = len(body) // 2
    flipped = body[:middle] + bytes([body[middle] ^ 0xFF]) + body[middle + 1 :]
    garbled = gateway.post("/as2", content=flipped, headers=headers)
    assert b"processed/error: " in garbled.content
    accepted = gateway.post("/as2", content=body, headers=headers)
    assert b"; processed\r\n" in accepted.content or b"; processed\n" in accepted.content
    assert b"processed/error" not in accepted.content
    with get_database(migrated).sessions() as session:
        assert len(list(session.scalars(select(Exchange)))) == 1


def test_oversized_body_is_refused(migrated: Settings, us: Identity, partner: Identity) -> None:
    _station(migrated, us)
    small = migrated.model_copy(update={"as2_max_body_bytes": 2048})
    with TestClient(create_app(small)) as client:
        response = client.post(
            "/as2", content=b"x" * 5000, headers={"AS2-From": "partner", "AS2-To": "gateway"}
        )
    assert response.status_code == 413


def test_async_mdn_goes_only_to_an_allowed_url(
    migrated: Settings, us: Identity, partner: Identity, peer: OpenSSLPeer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.as2.tasks as tasks

    monkeypatch.setattr(tasks, "get_settings", lambda: migrated)
    with erp_endpoint() as receiver:
        _station(migrated, us)
        _partner(migrated, partner, async_url=receiver.url)
        with TestClient(create_app(migrated)) as client:
            allowed = _signed_encrypted(
                peer, "<async-1@partner>", **{"Receipt-Delivery-Option": receiver.url}
            )
            response = client.post("/as2", content=allowed[1], headers=allowed[0])
            elsewhere = "http://127.0.0.1:9/steal"
            other = _signed_encrypted(peer, "<async-2@partner>", **{"Receipt-Delivery-Option": elsewhere})
            client.post("/as2", content=other[1], headers=other[0])
        assert response.status_code == 200
        assert response.content == b""
        with get_database(migrated).sessions() as session:
            jobs = list(
                session.scalars(
                    select(OutboxJob).where(OutboxJob.task == "as2.send_mdn").order_by(OutboxJob.id)
                )
            )
        for job in jobs:
            run_job(migrated, job.id, send_mdn)
        [(headers, body)] = receiver.requests
        assert headers["content-type"].startswith("multipart/signed")
        assert headers["as2-to"] == "partner"
        report = peer.verify(peer.to_entity(list(headers.items()), body), us)
        assert b"automatic-action/MDN-sent-automatically; processed" in report
        with get_database(migrated).sessions() as session:
            states = [session.get(OutboxJob, j.id).status for j in jobs]  # type: ignore[union-attr]
        assert states == [JobStatus.DONE, JobStatus.DEAD]


def test_expired_partner_certificate_is_not_trusted(
    migrated: Settings, us: Identity, partner: Identity, peer: OpenSSLPeer
) -> None:
    _station(migrated, us)
    partner_id = _partner(migrated, partner)
    with get_database(migrated).transaction() as session:
        row = certs.certificates_of(session, partner_id=partner_id)[0]
        certs.update_window(
            session,
            row.id,
            active_until=utcnow() - timedelta(days=1),
            active_from=utcnow() - timedelta(days=2),
        )
    headers, body = _signed_encrypted(peer)
    with TestClient(create_app(migrated)) as client:
        response = client.post("/as2", content=body, headers=headers)
    assert b"processed/error: authentication-failed" in response.content
