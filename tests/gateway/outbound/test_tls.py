"""AS2 over HTTPS: the partner's certificate is verified against its host name (while the connection
goes to the address checked at resolution), and our TLS client certificate from the profile is presented."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from gateway.models.exchange import ExchangeStatus
from tests.gateway.as2.keys import Identity
from tests.partners.certs import make_cert, name, rsa_key

from .as2_peer import As2Peer, as2_peer
from .conftest import Outbound, add_partner, add_station, ready_exchange

PEM = serialization.Encoding.PEM


def _server_tls(folder: Path, client_ca: Path) -> tuple[Path, ssl.SSLContext]:
    now = dt.datetime.now(dt.UTC)
    ca_key, server_key = rsa_key(2048, 21), rsa_key(2048, 22)
    ca = make_cert(
        "test-ca",
        key=ca_key,
        ca=True,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=30),
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(name("localhost"))
        .issuer_name(ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ca.pem").write_bytes(ca.public_bytes(PEM))
    (folder / "server.pem").write_bytes(
        server_key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        + server.public_bytes(PEM)
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "server.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(client_ca)
    return folder / "ca.pem", context


@pytest.fixture
def https_peer(us: Identity, partner: Identity, tmp_path: Path) -> Iterator[tuple[As2Peer, Path]]:
    ca_file, context = _server_tls(tmp_path / "tls", us.cert_path)
    with as2_peer([partner.pair], us.cert, tls=context) as peer:
        yield peer, ca_file


def _client_ref(us: Identity) -> str:
    return us.cert.fingerprint(hashes.SHA256()).hex()


def test_https_partner_gets_our_client_certificate_and_answers(
    outbound: Outbound,
    us: Identity,
    partner: Identity,
    https_peer: tuple[As2Peer, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    peer, ca_file = https_peer
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, partner.cert, tls_client_cert_ref=_client_ref(us))
    exchange_id = ready_exchange(outbound.settings, partner_id)
    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    assert peer.client_certs == [us.cert.public_bytes(serialization.Encoding.DER)]
    assert dict(peer.requests[0][0])["Host"] == peer.url.split("/")[2]


def test_untrusted_partner_certificate_is_never_sent_to(
    outbound: Outbound,
    us: Identity,
    partner: Identity,
    https_peer: tuple[As2Peer, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    peer, ca_file = https_peer
    other_ca = make_cert("other-ca", key=rsa_key(2048, 23), ca=True)
    trusted = ca_file.with_name("other-ca.pem")
    trusted.write_bytes(other_ca.public_bytes(PEM))
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    add_station(outbound.settings, us)
    partner_id = add_partner(outbound.settings, peer.url, partner.cert, tls_client_cert_ref=_client_ref(us))
    exchange_id = ready_exchange(outbound.settings, partner_id)
    assert outbound.run(exchange_id) is False
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.READY
    assert "CERTIFICATE_VERIFY_FAILED" in exchange.meta["last_error"]
    assert peer.requests == []
