"""The per-process partnership cache of POST /as2: a partnership is loaded once, and any change to it
(certificates disabled, added or re-windowed, a new station key, the partner's AS2 settings, the
partner disabled), made through the services or behind the process's back in SQL, is seen by the very
next request."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import text

from gateway.app import create_app
from gateway.as2 import OutboundPayload, SendOptions, build_message, parse_mdn, partnerships
from gateway.as2.receive import receive
from gateway.certificates import service as certs
from gateway.config import Settings
from gateway.db import get_database
from gateway.keys import master_key
from gateway.models.base import utcnow
from gateway.onboarding.service import create_partner, update_partner
from partners.keys import CertificateUsage, DistinguishedName
from partners.profile import PartnerIdentities
from tests.gateway.as2.keys import Identity
from tests.gateway.edi_samples import x12_850

BOTH = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})
AS2_SETTINGS = {"url": "https://partner.example/as2", "require_encrypted_inbound": False}
_ids = itertools.count()


@pytest.fixture
def setup(migrated: Settings, us: Identity, partner: Identity) -> int:
    """Our station with ``us``, and the partner with its certificate; returns the partner id."""
    p12 = pkcs12.serialize_key_and_certificates(
        b"us", us.pair.private_key, us.cert, None, serialization.NoEncryption()
    )
    with get_database(migrated).transaction() as session:
        station = certs.create_station(session, "main", "Main", PartnerIdentities(as2_id="gateway"))
        certs.import_station_key(session, station.id, p12, None, BOTH, master_key(migrated))
        profile = {
            "code": "partner",
            "name": "Partner",
            "identities": {"as2_id": "partner"},
            "transports": {"as2": AS2_SETTINGS},
        }
        partner_id = create_partner(session, profile).id
        certs.import_partner_certificate(
            session, partner_id, partner.cert.public_bytes(serialization.Encoding.PEM), BOTH
        )
        return partner_id


@pytest.fixture
def client(migrated: Settings, setup: int) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as client:
        yield client


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every time a partnership is (re)loaded from the database."""
    seen: list[str] = []
    load: Callable[..., Any] = partnerships._load

    def counting(*args: Any) -> Any:
        seen.append(args[2])
        return load(*args)

    monkeypatch.setattr(partnerships, "_load", counting)
    return seen


def _send(client: TestClient, signer: Identity, us: Identity, *, encrypt: bool = True) -> Response:
    options = SendOptions(
        as2_from="partner",
        as2_to="gateway",
        sign_with=signer.pair,
        encrypt_to=(us.cert,) if encrypt else (),
    )
    message = build_message(
        OutboundPayload(x12_850()), options, message_id=f"<cache-{next(_ids)}@partner>", now=utcnow()
    )
    response = client.post("/as2", content=message.body, headers=dict(message.headers))
    assert response.status_code == 200
    return response


def _post(client: TestClient, signer: Identity, us: Identity, *, encrypt: bool = True) -> bytes:
    return _send(client, signer, us, encrypt=encrypt).content


def _processed(mdn: bytes) -> bool:
    return b"; processed" in mdn and b"processed/error" not in mdn


def _sql(settings: Settings, statement: str) -> None:
    with get_database(settings).transaction() as session:
        session.execute(text(statement))


def test_an_unchanged_partnership_is_loaded_once(
    client: TestClient, us: Identity, partner: Identity, loads: list[str]
) -> None:
    for _ in range(3):
        assert _processed(_post(client, partner, us))
    assert loads == ["partner"]


def test_a_disabled_certificate_is_refused_on_the_next_request(
    client: TestClient, migrated: Settings, setup: int, us: Identity, partner: Identity, loads: list[str]
) -> None:
    assert _processed(_post(client, partner, us))
    with get_database(migrated).transaction() as session:
        [row] = certs.certificates_of(session, partner_id=setup)
        certs.update_window(session, row.id, enabled=False)
    assert b"processed/error: authentication-failed" in _post(client, partner, us)
    assert loads == ["partner", "partner"]


def test_a_certificate_added_is_trusted_on_the_next_request(
    client: TestClient, migrated: Settings, setup: int, us: Identity, stranger: Identity
) -> None:
    assert b"processed/error: authentication-failed" in _post(client, stranger, us)
    with get_database(migrated).transaction() as session:
        pem = stranger.cert.public_bytes(serialization.Encoding.PEM)
        certs.import_partner_certificate(session, setup, pem, BOTH)
    assert _processed(_post(client, stranger, us))


def test_a_new_station_key_signs_the_next_mdn(
    client: TestClient, migrated: Settings, us: Identity, partner: Identity
) -> None:
    first = _send(client, partner, us)
    with get_database(migrated).transaction() as session:
        made = certs.generate_station_key(
            session, 1, DistinguishedName(common_name="gateway-next"), BOTH, master_key(migrated)
        )
    newer = x509.load_pem_x509_certificate(made.certificate.info["pem"].encode())
    second = _send(client, partner, us)
    assert [_signer(r, [us.cert, newer]) for r in (first, second)] == [us.cert, newer]


def _signer(response: Response, candidates: list[x509.Certificate]) -> x509.Certificate:
    parsed = parse_mdn(list(response.headers.items()), response.content, partner_certs=candidates)
    assert parsed.processed_ok and parsed.signer is not None
    return parsed.signer


def test_a_change_to_the_partners_as2_settings_applies_to_the_next_request(
    client: TestClient, migrated: Settings, setup: int, us: Identity, partner: Identity
) -> None:
    assert _processed(_post(client, partner, us, encrypt=False))
    with get_database(migrated).transaction() as session:
        update_partner(
            session, setup, {"transports": {"as2": AS2_SETTINGS | {"require_encrypted_inbound": True}}}
        )
    assert b"processed/error: insufficient-message-security" in _post(client, partner, us, encrypt=False)


@pytest.mark.parametrize(
    ("statement", "disposition"),
    [
        ("UPDATE certificate SET enabled = false WHERE partner_id IS NOT NULL", b"authentication-failed"),
        ("UPDATE partner SET enabled = false", b"unknown-trading-partner"),
        (
            "UPDATE partner_identity_key SET key = 'someone-else' WHERE kind = 'as2'",
            b"unknown-trading-partner",
        ),
    ],
)
def test_a_change_behind_the_process_s_back_is_seen_on_the_next_request(
    client: TestClient,
    migrated: Settings,
    us: Identity,
    partner: Identity,
    statement: str,
    disposition: bytes,
) -> None:
    """Another API process, the CLI or an operator's SQL: nothing tells this process, the database does."""
    assert _processed(_post(client, partner, us))
    _sql(migrated, statement)
    assert b"processed/error: " + disposition in _post(client, partner, us)


def test_a_certificate_window_ending_needs_no_reload(
    client: TestClient, migrated: Settings, setup: int, us: Identity, partner: Identity, loads: list[str]
) -> None:
    """Windows are evaluated at each request's time against the cached certificates."""
    with get_database(migrated).transaction() as session:
        [row] = certs.certificates_of(session, partner_id=setup)
        certs.update_window(session, row.id, active_until=utcnow() + timedelta(seconds=1))
    assert _processed(_post(client, partner, us))
    later = utcnow() + timedelta(seconds=2)
    options = SendOptions(as2_from="partner", as2_to="gateway", sign_with=partner.pair, encrypt_to=(us.cert,))
    message = build_message(OutboundPayload(x12_850()), options, message_id="<later@partner>", now=later)
    _, reply = receive(get_database(migrated), migrated, list(message.headers), message.body, now=later)
    assert b"processed/error: authentication-failed" in reply.body
    assert loads == ["partner"]
