"""Importing and generating certificates, choosing which to use (rollover), and loading station keys.

Private keys exist only sealed (AES-GCM under the master key, bound to the certificate) and are never
returned by any endpoint; only the AS2 layer unseals them, in memory, when it needs to sign or decrypt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth.service import SYSTEM, Principal, audit
from gateway.errors import ConflictError, InvalidInputError, NotFoundError
from gateway.models.base import utcnow
from gateway.models.certificate import Certificate, Station
from gateway.models.partner import Partner
from partners.certificates import CertificateInfo, describe
from partners.chains import accept_upload
from partners.keys import (
    CertificateUsage,
    DistinguishedName,
    certificate_signing_request,
    generate_key_pair,
    load_key_bundle,
    load_private_key,
    self_signed_certificate,
)
from partners.profile import PartnerIdentities
from partners.rollover import (
    ExpiryWarning,
    ManagedCertificate,
    choose_signing_cert,
    expiry_warnings,
    verification_candidates,
)
from partners.sealing import seal, unseal_any


def managed(row: Certificate) -> ManagedCertificate:
    return ManagedCertificate(
        info=CertificateInfo.model_validate(row.info),
        usages=frozenset(CertificateUsage(u) for u in row.usages),
        active_from=row.active_from,
        active_until=row.active_until,
        enabled=row.enabled,
    )


def _seal_context(row: Certificate) -> bytes:
    return f"station:{row.station_id}:certificate:{row.fingerprint_sha256}".encode()


def _row(
    info: CertificateInfo, chain: Sequence[CertificateInfo], usages: Iterable[CertificateUsage]
) -> Certificate:
    return Certificate(
        usages=sorted(CertificateUsage(u).value for u in usages),
        info=info.model_dump(mode="json"),
        chain_pem="".join(c.pem for c in chain),
        fingerprint_sha256=info.fingerprint_sha256,
        issuer_serial=f"{info.issuer}#{info.serial_number}",
        not_after=info.not_after,
        enabled=True,
    )


def _add(session: Session, row: Certificate, by: Principal, action: str) -> Certificate:
    owner = (
        (Certificate.partner_id == row.partner_id)
        if row.partner_id
        else (Certificate.station_id == row.station_id)
    )
    duplicate = session.scalar(
        select(Certificate.id).where(owner, Certificate.fingerprint_sha256 == row.fingerprint_sha256)
    )
    if duplicate is not None:
        raise ConflictError(f"this certificate is already stored as certificate {duplicate}")
    session.add(row)
    session.flush()
    audit(session, by, action, "certificate", row.id, after=summary(row))
    return row


def summary(row: Certificate) -> dict[str, object]:
    return {
        "partner_id": row.partner_id,
        "station_id": row.station_id,
        "usages": row.usages,
        "fingerprint_sha256": row.fingerprint_sha256,
        "subject": row.info["subject"],
        "not_after": row.info["not_after"],
        "enabled": row.enabled,
        "has_private_key": row.sealed_private_key is not None,
    }


def import_partner_certificate(
    session: Session,
    partner_id: int,
    data: bytes,
    usages: frozenset[CertificateUsage],
    *,
    password: bytes | None = None,
    now: datetime | None = None,
    by: Principal = SYSTEM,
) -> Certificate:
    """Store a partner's certificate (first of the upload) with the rest as its chain."""
    if session.get(Partner, partner_id) is None:
        raise NotFoundError(f"partner {partner_id} does not exist")
    report = accept_upload(data, now or utcnow(), password)
    row = _row(report.leaf, report.certificates[1:], usages)
    row.partner_id = partner_id
    return _add(session, row, by, "certificate.import")


def get_station(session: Session, station_id: int) -> Station:
    station = session.get(Station, station_id)
    if station is None:
        raise NotFoundError(f"station {station_id} does not exist")
    return station


def _store_station_key(
    session: Session,
    station: Station,
    cert: x509.Certificate,
    chain: Sequence[x509.Certificate],
    private_key_pem: bytes,
    usages: frozenset[CertificateUsage],
    master_key: bytes,
    by: Principal,
    action: str,
) -> Certificate:
    row = _row(describe(cert), [describe(c) for c in chain], usages)
    row.station_id = station.id
    row.sealed_private_key = seal(private_key_pem, master_key, context=_seal_context(row))
    return _add(session, row, by, action)


@dataclass(frozen=True)
class Generated:
    certificate: Certificate
    csr_pem: str


def generate_station_key(
    session: Session,
    station_id: int,
    subject: DistinguishedName,
    usages: frozenset[CertificateUsage],
    master_key: bytes,
    *,
    bits: int = 2048,
    validity_days: int = 730,
    now: datetime | None = None,
    by: Principal = SYSTEM,
) -> Generated:
    """A new key pair for a station with a self-signed certificate (usable at once) and a CSR for a CA."""
    station = get_station(session, station_id)
    pair = generate_key_pair(bits)
    cert_pem = self_signed_certificate(
        pair.private_key_pem, subject, now or utcnow(), usages=usages, validity_days=validity_days
    )
    csr = certificate_signing_request(pair.private_key_pem, subject, usages=usages)
    cert = x509.load_pem_x509_certificate(cert_pem)
    row = _store_station_key(
        session, station, cert, (), pair.private_key_pem, usages, master_key, by, "station_key.generate"
    )
    return Generated(row, csr.decode())


def import_station_key(
    session: Session,
    station_id: int,
    pkcs12: bytes,
    password: bytes | None,
    usages: frozenset[CertificateUsage],
    master_key: bytes,
    *,
    by: Principal = SYSTEM,
) -> Certificate:
    """Import our key and certificate from a PKCS#12 file (e.g. issued by a CA)."""
    station = get_station(session, station_id)
    bundle = load_key_bundle(pkcs12, password)
    return _store_station_key(
        session,
        station,
        bundle.certificate,
        bundle.chain,
        bundle.private_key_pem,
        usages,
        master_key,
        by,
        "station_key.import",
    )


def certificates_of(
    session: Session, *, partner_id: int | None = None, station_id: int | None = None
) -> list[Certificate]:
    if (partner_id is None) == (station_id is None):
        raise InvalidInputError("name either a partner or a station")
    owner = (
        Certificate.partner_id == partner_id
        if partner_id is not None
        else Certificate.station_id == station_id
    )
    return list(session.scalars(select(Certificate).where(owner).order_by(Certificate.id)))


def get_certificate(session: Session, certificate_id: int, *, for_update: bool = False) -> Certificate:
    row = session.get(Certificate, certificate_id, with_for_update=for_update)
    if row is None:
        raise NotFoundError(f"certificate {certificate_id} does not exist")
    return row


def update_window(
    session: Session,
    certificate_id: int,
    *,
    enabled: bool | None = None,
    active_from: datetime | None = None,
    active_until: datetime | None = None,
    by: Principal = SYSTEM,
) -> Certificate:
    """Enable/disable a certificate or set its usable window (validated by the rollover model)."""
    row = get_certificate(session, certificate_id, for_update=True)
    before = summary(row) | {"active_from": _iso(row.active_from), "active_until": _iso(row.active_until)}
    if enabled is not None:
        row.enabled = enabled
    row.active_from = active_from if active_from is not None else row.active_from
    row.active_until = active_until if active_until is not None else row.active_until
    managed(row)  # refuses an empty window with a located error
    after = summary(row) | {"active_from": _iso(row.active_from), "active_until": _iso(row.active_until)}
    audit(session, by, "certificate.update", "certificate", row.id, before=before, after=after)
    return row


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class StationKey:
    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey
    row_id: int


def station_keys(session: Session, station_id: int, master_keys: Sequence[bytes]) -> list[StationKey]:
    """Every enabled station certificate that has a key, unsealed (for decryption: try them all)."""
    keys = []
    for row in certificates_of(session, station_id=station_id):
        if row.sealed_private_key is None or not row.enabled:
            continue
        cert = x509.load_pem_x509_certificate(row.info["pem"].encode())
        keys.append(StationKey(cert, _private_key(row, master_keys), row.id))
    return keys


_loaded_keys: dict[tuple[int, bytes, bytes], rsa.RSAPrivateKey] = {}
MAX_CACHED_KEYS = 256


def _private_key(row: Certificate, master_keys: Sequence[bytes]) -> rsa.RSAPrivateKey:
    """The row's key, unsealed and parsed once per process; the cache is keyed by the sealed bytes and
    the master keys presented, so a wrong master key never gets a cached key."""
    assert row.sealed_private_key is not None
    presented = hashlib.sha256(b"\0".join(master_keys)).digest()
    cache_key = (row.id, hashlib.sha256(row.sealed_private_key).digest(), presented)
    key = _loaded_keys.get(cache_key)
    if key is None:
        key = load_private_key(_unseal(row, master_keys), validated=True)
        if len(_loaded_keys) >= MAX_CACHED_KEYS:
            _loaded_keys.clear()
        _loaded_keys[cache_key] = key
    return key


def _unseal(row: Certificate, master_keys: Sequence[bytes]) -> bytes:
    assert row.sealed_private_key is not None
    return unseal_any(row.sealed_private_key, master_keys, context=_seal_context(row))


def expiring(session: Session, now: datetime, days: int) -> list[tuple[Certificate, ExpiryWarning]]:
    """Enabled certificates whose usable window ends within ``days`` (or has ended), soonest first."""
    rows = session.scalars(select(Certificate).where(Certificate.enabled.is_(True)))
    found = [
        (row, warning) for row in rows for warning in expiry_warnings([managed(row)], now, thresholds=(days,))
    ]
    return sorted(found, key=lambda pair: pair[1].seconds_left)


def create_station(
    session: Session, code: str, name: str, identities: PartnerIdentities, by: Principal = SYSTEM
) -> Station:
    """Add one of our own identities; its AS2 ID must be unique among stations."""
    if session.scalar(select(Station.id).where(Station.code == code)) is not None:
        raise ConflictError(f"a station with code {code!r} already exists", location="code")
    if identities.as2_id and session.scalar(select(Station.id).where(Station.as2_id == identities.as2_id)):
        raise ConflictError(f"AS2 ID {identities.as2_id!r} is already one of our stations", location="as2_id")
    station = Station(
        code=code, name=name, as2_id=identities.as2_id, identities=identities.model_dump(mode="json")
    )
    session.add(station)
    session.flush()
    audit(
        session,
        by,
        "station.create",
        "station",
        station.id,
        after={"code": code, "name": name} | station.identities,
    )
    return station


def find_station_by_as2_id(session: Session, as2_id: str) -> Station | None:
    return session.scalar(select(Station).where(Station.as2_id == as2_id))


def signing_key(
    session: Session, station_id: int, master_keys: Sequence[bytes], now: datetime
) -> StationKey | None:
    """The station's newest active signing key (for MDNs and outbound messages)."""
    rows = [r for r in certificates_of(session, station_id=station_id) if r.sealed_private_key is not None]
    chosen = choose_signing_cert([managed(r) for r in rows], now)
    if chosen is None:
        return None
    row = next(r for r in rows if r.fingerprint_sha256 == chosen.info.fingerprint_sha256)
    cert = x509.load_pem_x509_certificate(row.info["pem"].encode())
    return StationKey(cert, _private_key(row, master_keys), row.id)


def partner_verification_certs(session: Session, partner_id: int, now: datetime) -> list[x509.Certificate]:
    """Every active signing certificate of the partner, newest first (rollover: accept any valid)."""
    rows = certificates_of(session, partner_id=partner_id)
    active = {c.info.fingerprint_sha256 for c in verification_candidates([managed(r) for r in rows], now)}
    ordered = sorted((r for r in rows if r.fingerprint_sha256 in active), key=lambda r: r.id, reverse=True)
    return [x509.load_pem_x509_certificate(r.info["pem"].encode()) for r in ordered]
