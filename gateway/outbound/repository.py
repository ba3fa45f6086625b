"""Reads for sending: which of our stations sends an exchange, and the key material of both sides chosen
by the rollover rules (sign with our newest active key, encrypt to the partner's newest active
certificate, accept the partner's signature from any active one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.as2.cms import KeyPair
from gateway.certificates import service as certs
from gateway.certificates.service import certificates_of, managed, station_keys
from gateway.errors import PermanentJobError
from gateway.models.certificate import Certificate, Station
from gateway.models.exchange import Exchange
from partners.rollover import choose_encryption_cert

STATION_META_KEY = "station_id"


class SendSetupError(PermanentJobError):
    """The partnership lacks something to send with (station, key, certificate, secret): fix and resend."""

    code = "send_setup_incomplete"


def _load(row: Certificate) -> x509.Certificate:
    return x509.load_pem_x509_certificate(row.info["pem"].encode())


def station_for(session: Session, exchange: Exchange) -> Station:
    """The station named in the exchange (or the exchange it answers), else our only AS2 station."""
    related = session.get(Exchange, exchange.related_exchange_id) if exchange.related_exchange_id else None
    for meta in (exchange.meta, related.meta if related else {}):
        station_id = meta.get(STATION_META_KEY)
        if station_id is not None and (station := session.get(Station, int(station_id))) is not None:
            return station
    stations = list(session.scalars(select(Station).where(Station.as2_id.is_not(None)).limit(2)))
    if len(stations) != 1:
        raise SendSetupError(
            f"exchange {exchange.id} names no station and there are {len(stations) or 'no'} AS2 stations: "
            f"set meta.{STATION_META_KEY}"
        )
    return stations[0]


def signing_pair(session: Session, station: Station, master_keys: Sequence[bytes], now: datetime) -> KeyPair:
    key = certs.signing_key(session, station.id, master_keys, now)
    if key is None:
        raise SendSetupError(f"station {station.code} has no active signing key")
    return KeyPair(key.private_key, key.certificate)


def encryption_cert(session: Session, partner_id: int, now: datetime) -> x509.Certificate:
    rows = certificates_of(session, partner_id=partner_id)
    chosen = choose_encryption_cert([managed(r) for r in rows], now)
    if chosen is None:
        raise SendSetupError(f"partner {partner_id} has no active encryption certificate")
    return _load(next(r for r in rows if r.fingerprint_sha256 == chosen.info.fingerprint_sha256))


def verification_certs(session: Session, partner_id: int, now: datetime) -> list[x509.Certificate]:
    """Every active signing certificate of the partner, newest first."""
    return certs.partner_verification_certs(session, partner_id, now)


def client_certificate(session: Session, fingerprint: str, master_keys: Sequence[bytes]) -> KeyPair:
    """Our TLS client certificate named by a profile's ``tls_client_cert_ref`` (a station key)."""
    row = session.scalar(
        select(Certificate).where(
            Certificate.fingerprint_sha256 == fingerprint,
            Certificate.station_id.is_not(None),
            Certificate.sealed_private_key.is_not(None),
        )
    )
    if row is None or row.station_id is None or not row.enabled:
        raise SendSetupError(f"no enabled station key with fingerprint {fingerprint} for TLS client auth")
    key = next(k for k in station_keys(session, row.station_id, master_keys) if k.row_id == row.id)
    return KeyPair(key.private_key, key.certificate)
