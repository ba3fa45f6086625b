"""outbound.send_exchange over AS2 against a real HTTP partner: sync MDNs (signed, unsigned, negative,
tampered, wrong MIC), byte-identical retries with the same Message-ID, refusal, rollover, SSRF."""

from __future__ import annotations

import base64
import shutil
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from sqlalchemy import select

from gateway.as2 import KeyPair
from gateway.audit.evidence import verify_bundle
from gateway.audit.service import export_bundle
from gateway.config import Settings
from gateway.db import get_database
from gateway.models import ArchiveRecord, JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import ExchangeStatus
from gateway.onboarding.service import set_enabled, update_partner
from gateway.sftp.credentials import store_secret
from tests.conftest import require_available
from tests.gateway.archived import archived
from tests.gateway.as2.keys import Identity, make_identity
from tests.gateway.as2.openssl_peer import OpenSSLPeer
from tests.partners.certs import make_cert, rsa_key

from .as2_peer import NEGATIVE, SLOW, TAMPERED, UNSIGNED, WRONG_MIC, As2Peer, as2_peer
from .conftest import PAYLOAD, Outbound, add_partner, add_partner_cert, add_station, ready_exchange


def _records(settings: Settings, exchange_id: int) -> list[ArchiveRecord]:
    with get_database(settings).sessions() as session:
        rows = session.scalars(
            select(ArchiveRecord).where(ArchiveRecord.subject_id == exchange_id).order_by(ArchiveRecord.seq)
        )
        return [r for r in rows if r.kind.startswith("as2-")]


def _send(outbound: Outbound, us: Identity, peer: As2Peer, partner: Identity, **as2: Any) -> int:
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, partner.cert, **as2)
    return ready_exchange(outbound.settings, partner_id)


def test_signed_encrypted_message_gets_a_verified_signed_mdn(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    assert exchange.meta["mdn_status"] == "received"
    [received] = peer.received
    assert received.layers == ("encrypted", "signed")
    assert received.payloads[0].data == PAYLOAD
    assert received.payloads[0].filename == "po.edi"
    wire = exchange.meta["as2"]
    assert (received.mic, received.mic_algorithm) == (wire["mic"], wire["mic_algorithm"])
    assert exchange.meta["mdn"]["signer_sha256"] == partner.cert.fingerprint(hashes.SHA256()).hex()
    outgoing, mdn = _records(outbound.settings, exchange_id)
    assert (outgoing.kind, mdn.kind) == ("as2-outbound", "as2-mdn-in")
    [(headers, body)] = peer.requests
    assert archived(outbound.settings, outgoing.content_sha256) == body
    assert dict(headers)["Message-ID"] == wire["message_id"] == f"<{exchange.meta['as2_message_id']}>"
    assert (exchange.meta["mic"], exchange.meta["mic_algorithm"]) == (received.mic, received.mic_algorithm)
    sent = {name.lower(): value for name, value in headers}
    assert all(sent[name.lower()] == value for name, value in wire["headers"]), (
        "the archived headers went out"
    )
    assert mdn.meta["accepted"] is True
    assert mdn.meta["original_message_id"] == wire["message_id"].strip("<>")


def test_retries_after_5xx_resend_the_identical_bytes_with_the_same_message_id(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    peer.script[:] = ["503", "502"]
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id) is False
    assert outbound.run(exchange_id) is False
    waiting = outbound.exchange(exchange_id)
    assert waiting.status == ExchangeStatus.READY
    assert "HTTP 502" in waiting.meta["last_error"]
    assert outbound.run(exchange_id) is True
    assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
    bodies = [body for _, body in peer.requests]
    ids = [dict(headers)["Message-ID"] for headers, _ in peer.requests]
    assert len(bodies) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert len(set(ids)) == 1
    assert [r.kind for r in _records(outbound.settings, exchange_id)] == ["as2-outbound", "as2-mdn-in"]


def test_unreachable_partner_is_retried_and_fails_after_the_last_attempt(
    outbound: Outbound, us: Identity, partner: Identity
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, f"http://127.0.0.1:{port}/as2", partner.cert)
    exchange_id = ready_exchange(outbound.settings, partner_id)
    [job_id] = outbound.job_ids("outbound.send_exchange", exchange_id)
    with get_database(outbound.settings).transaction() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        job.max_attempts = 2
    assert outbound.run(exchange_id) is False
    assert outbound.exchange(exchange_id).status == ExchangeStatus.READY
    assert outbound.job(job_id).status == JobStatus.PENDING
    assert outbound.run(exchange_id) is False
    failed = outbound.exchange(exchange_id)
    assert failed.status == ExchangeStatus.FAILED
    assert "RetryableSendError" in (failed.error or "")
    assert outbound.job(job_id).status == JobStatus.DEAD
    assert failed.meta["send_attempts"] == 2


def test_4xx_fails_at_once(outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer) -> None:
    peer.script[:] = ["403"]
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id) is False
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert "HTTP 403" in (exchange.error or "")
    [job_id] = outbound.job_ids("outbound.send_exchange", exchange_id)
    assert outbound.job(job_id).status == JobStatus.DEAD


def test_negative_mdn_fails_the_exchange_with_its_disposition(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    peer.script[:] = [NEGATIVE]
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert (
        exchange.error
        == "negative MDN: automatic-action/MDN-sent-automatically; processed/error: decryption-failed"
    )
    assert exchange.meta["mdn"]["accepted"] is True
    assert exchange.meta["mdn"]["positive"] is False
    assert [r.kind for r in _records(outbound.settings, exchange_id)] == ["as2-outbound", "as2-mdn-in"]


@pytest.mark.parametrize(
    ("action", "problem"),
    [(TAMPERED, "MDN not accepted: MDN signature"), (WRONG_MIC, "MIC mismatch"), (UNSIGNED, "not signed")],
)
def test_untrustworthy_mdn_is_not_accepted(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer, action: str, problem: str
) -> None:
    peer.script[:] = [action]
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert problem in (exchange.error or "")
    assert exchange.meta["mdn"]["accepted"] is False
    mdn = _records(outbound.settings, exchange_id)[-1]
    assert mdn.kind == "as2-mdn-in"
    assert mdn.meta["accepted"] is False


def test_unsigned_mdn_is_accepted_when_the_profile_asks_for_none(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    peer.script[:] = [UNSIGNED]
    exchange_id = _send(outbound, us, peer, partner, mdn_signed=False)
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    assert exchange.meta["mdn"]["signer_sha256"] is None
    assert "Disposition-Notification-Options" not in dict(peer.requests[0][0])


def test_plain_message_without_mdn(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _send(outbound, us, peer, partner, sign=False, encrypt=False, mdn_mode="none")
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT
    assert exchange.meta["mdn_status"] == "none"
    assert peer.received[0].layers == ()
    assert "Disposition-Notification-To" not in dict(peer.requests[0][0])


def test_compressed_base64_sha512_oaep_aes128_options_reach_the_wire(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _send(
        outbound, us, peer, partner,
        compression="before-signing", signature_algorithm="sha512", encryption_algorithm="aes128-cbc",
        key_transport="rsa-oaep-sha256",
        quirks={"content_transfer_encoding": "base64", "micalg_spelling": "rfc3851",
                "content_type": "application/edi-consent"},
    )  # fmt: skip
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
    received = peer.received[0]
    assert received.layers == ("encrypted", "signed", "compressed")
    assert received.payloads[0].content_type == "application/edi-consent"
    assert received.mic_algorithm == "sha512"
    headers = dict(peer.requests[0][0])
    assert "signed-receipt-micalg=optional, sha512" in headers["Disposition-Notification-Options"]
    assert headers["Content-Transfer-Encoding"] == "base64"
    envelope = cms.ContentInfo.load(base64.b64decode(peer.requests[0][1]))["content"]
    recipient = envelope["recipient_infos"][0].chosen
    assert recipient["key_encryption_algorithm"]["algorithm"].native == "rsaes_oaep"
    assert (
        envelope["encrypted_content_info"]["content_encryption_algorithm"]["algorithm"].native == "aes128_cbc"
    )


@pytest.mark.parametrize(
    ("cipher", "transport", "digest", "extra"),
    [
        ("3des", "rsa-pkcs1v15", "sha1", {}),
        ("aes128-cbc", "rsa-oaep-sha1", "sha224", {"signature_padding": "pss"}),
        ("aes192-cbc", "rsa-oaep-sha256", "sha256", {"compression": "after-signing"}),
        ("aes256-cbc", "rsa-pkcs1v15", "sha384", {}),
        ("aes128-gcm", "rsa-oaep-sha256", "sha512", {}),
        ("aes256-gcm", "rsa-pkcs1v15", "sha256", {"mdn_signed": False}),
    ],
)
def test_every_profile_algorithm_is_understood_by_the_partner(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer,
    cipher: str, transport: str, digest: str, extra: dict[str, Any],
) -> None:  # fmt: skip
    exchange_id = _send(outbound, us, peer, partner, encryption_algorithm=cipher, key_transport=transport,
                        signature_algorithm=digest, **extra)  # fmt: skip
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    received = peer.received[0]
    assert received.payloads[0].data == PAYLOAD
    assert (received.mic_algorithm, exchange.meta["mic_algorithm"]) == (digest, digest)
    assert received.mic == exchange.meta["mdn"]["received_mic"] == exchange.meta["mic"]


def test_rollover_encrypts_to_the_newest_active_partner_certificate(
    outbound: Outbound, us: Identity, key_dir: Any
) -> None:
    now = utcnow()
    old = make_identity("partner-old", key_dir / "old")
    new_key = rsa_key(2048, 7)
    new_cert = make_cert("partner-new", key=new_key, not_before=now - timedelta(days=1),
                         not_after=now + timedelta(days=90), serial=0xBEEF)  # fmt: skip
    future_cert = make_cert("partner-next", key=rsa_key(2048, 8), not_before=now - timedelta(hours=1),
                            not_after=now + timedelta(days=400), serial=0xF00D)  # fmt: skip
    with as2_peer([old.pair, KeyPair(new_key, new_cert)], us.cert) as peer:
        add_station(outbound.settings, us)
        partner_id = add_partner(outbound.settings, peer.url, old.cert)
        add_partner_cert(outbound.settings, partner_id, new_cert)
        add_partner_cert(outbound.settings, partner_id, future_cert, active_from=now + timedelta(days=30))
        exchange_id = ready_exchange(outbound.settings, partner_id)
        assert outbound.run(exchange_id)
        assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
        envelope = cms.ContentInfo.load(peer.requests[0][1])["content"]
    [recipient] = envelope["recipient_infos"]
    assert recipient.chosen["rid"].chosen["serial_number"].native == 0xBEEF
    fingerprint = new_cert.fingerprint(hashes.SHA256()).hex()
    assert outbound.exchange(exchange_id).meta["as2"]["encrypted_to_sha256"] == fingerprint


def test_partner_host_resolving_to_a_private_address_is_refused(
    outbound: Outbound, us: Identity, partner: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = socket.getaddrinfo

    def resolve(host: str, *args: Any, **kwargs: Any) -> Any:
        if host == "as2.partner.example":
            return real("10.1.2.3", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, "https://as2.partner.example/as2", partner.cert)
    with get_database(outbound.settings).transaction() as session:
        update_partner(session, partner_id, {"transports": {"as2": {"allow_private_network": False}}})
    exchange_id = ready_exchange(outbound.settings, partner_id)
    assert outbound.run(exchange_id) is False
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert "10.1.2.3, a private address" in (exchange.error or "")


def test_missing_partner_certificate_fails_with_a_setup_error(
    outbound: Outbound, us: Identity, peer: As2Peer
) -> None:
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, None)
    exchange_id = ready_exchange(outbound.settings, partner_id)
    assert outbound.run(exchange_id) is False
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert "no active encryption certificate" in (exchange.error or "")
    assert peer.requests == []


def test_openssl_decrypts_and_verifies_what_we_sent(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer, tmp_path: Path
) -> None:
    require_available(shutil.which("openssl"), "the openssl CLI (the AS2 interop peer) is not installed")
    exchange_id = _send(
        outbound, us, peer, partner, signature_algorithm="sha384", encryption_algorithm="3des"
    )
    assert outbound.run(exchange_id)
    openssl = OpenSSLPeer(partner, us, tmp_path)
    signed = openssl.decrypt(peer.requests[0][1])
    content = openssl.verify(signed, us)
    assert content.endswith(PAYLOAD)
    assert b"micalg=sha-384" in signed.split(b"\r\n\r\n", 1)[0]


def test_nothing_is_sent_to_a_disabled_partner(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _send(outbound, us, peer, partner)
    with get_database(outbound.settings).transaction() as session:
        set_enabled(session, outbound.exchange(exchange_id).partner_id, False)
    assert outbound.run(exchange_id) is False
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert "partner partner is disabled" in (exchange.error or "")
    assert peer.requests == []


def test_basic_auth_password_comes_from_the_sealed_secret_store(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    store_secret(outbound.settings, "as2/partner", "pa:ss wörd".encode())
    exchange_id = _send(
        outbound, us, peer, partner, basic_auth_user="gateway", basic_auth_secret_ref="as2/partner"
    )
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
    expected = "Basic " + base64.b64encode("gateway:pa:ss wörd".encode()).decode()
    assert dict(peer.requests[0][0])["Authorization"] == expected


def test_basic_auth_without_a_stored_secret_is_a_setup_error(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _send(
        outbound, us, peer, partner, basic_auth_user="gateway", basic_auth_secret_ref="as2/none"
    )
    assert outbound.run(exchange_id) is False
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.FAILED
    assert "no secret is stored under 'as2/none'" in (exchange.error or "")
    assert peer.requests == []


def test_evidence_bundle_of_a_sent_exchange_verifies_offline(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer
) -> None:
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id)
    with get_database(outbound.settings).sessions() as session:
        bundle = export_bundle(session, outbound.settings.resolved_archive_dir, exchange_id)
    report = verify_bundle(bundle)
    assert report.ok, [c for c in report.checks if not c.ok]
    assert {"MDN signature", "MDN answers the message"} <= {c.name for c in report.checks}


def test_partner_slower_than_the_reply_timeout_gets_the_same_bytes_again(
    outbound: Outbound, us: Identity, partner: Identity, peer: As2Peer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gateway.outbound.tasks as tasks

    outbound.settings = outbound.settings.model_copy(update={"outbox_stale_after_seconds": 2.0})
    monkeypatch.setattr(tasks, "get_settings", lambda: outbound.settings)
    peer.script[:] = [SLOW]
    exchange_id = _send(outbound, us, peer, partner)
    assert outbound.run(exchange_id) is False
    waiting = outbound.exchange(exchange_id)
    assert waiting.status == ExchangeStatus.READY
    assert "ReadTimeout" in waiting.meta["last_error"]
    assert outbound.run(exchange_id)
    assert outbound.exchange(exchange_id).status == ExchangeStatus.SENT
    assert peer.requests[0][1] == peer.requests[1][1]
