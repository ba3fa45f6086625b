"""Who an inbound AS2 message is between: the partner (AS2-From), our station (AS2-To), their keys and
certificates and the partner's AS2 settings, kept per process so a request does not re-read, re-unseal
or re-parse them.

Every request still asks the database, in one statement, whether anything behind a cached partnership
changed: the partner row (version, enabled, updated_at), which partner owns the AS2-From ID, the
station, and each certificate's id, enabled flag and window. The same statement finds an earlier
exchange with the message's Message-ID (the duplicate check). Any difference reloads the partnership,
so a certificate disabled, added or re-windowed, a partner disabled or its AS2 settings edited, from
any process, is seen by the next request. Entries also expire after :data:`TTL_SECONDS`. Windows are
evaluated at each request's ``now``, so rollover by time needs no reload.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.as2.cms import KeyPair
from gateway.certificates import service as certs
from gateway.db import Database
from gateway.onboarding.service import find_by_as2_id, profile_of
from partners.as2_settings import As2Settings
from partners.rollover import ManagedCertificate, choose_signing_cert, verification_candidates

TTL_SECONDS = 60.0
MAX_ENTRIES = 1024

# One row per certificate of the partner or the station (one row with NULLs when there are none).
_STATE = text(
    """
    SELECT p.id, p.version, p.enabled, p.updated_at, s.id,
           c.id, c.fingerprint_sha256, c.enabled, c.active_from, c.active_until,
           (SELECT e.id FROM exchange e
             WHERE e.partner_id = p.id AND e.direction = 'inbound' AND e.transport = 'as2'
               AND e.message_id = :message_id) AS earlier
    FROM partner_identity_key k
    JOIN partner p ON p.id = k.partner_id
    JOIN station s ON s.as2_id = :as2_to
    LEFT JOIN certificate c ON c.partner_id = p.id OR c.station_id = s.id
    WHERE k.kind = 'as2' AND k.key = :as2_from
    ORDER BY p.id, c.id
    """
)
_PARTNER_COLUMNS = 5
_EARLIER = -1


@dataclass(frozen=True)
class Partnership:
    """A partnership as of one request's ``now``."""

    partner_id: int
    station_id: int
    as2: As2Settings | None
    keys: tuple[KeyPair, ...]
    signer: KeyPair | None
    partner_certs: tuple[x509.Certificate, ...]


@dataclass(frozen=True)
class _Loaded:
    """What is kept: unsealed keys and parsed certificates with the windows that pick among them."""

    partner_id: int
    station_id: int
    as2: As2Settings | None
    keys: tuple[KeyPair, ...]
    signers: tuple[tuple[ManagedCertificate, KeyPair], ...]
    partner_certs: tuple[tuple[int, ManagedCertificate, x509.Certificate], ...]

    def at(self, now: datetime) -> Partnership:
        chosen = choose_signing_cert([m for m, _ in self.signers], now)
        signer = next((pair for m, pair in self.signers if chosen is not None and m is chosen), None)
        active = {id(c) for c in verification_candidates([m for _, m, _ in self.partner_certs], now)}
        ordered = sorted((row for row in self.partner_certs if id(row[1]) in active), key=lambda row: -row[0])
        return Partnership(
            self.partner_id, self.station_id, self.as2, self.keys, signer, tuple(c for _, _, c in ordered)
        )


@dataclass(frozen=True)
class _Entry:
    state: tuple[Any, ...]
    loaded: _Loaded
    expires: float


@dataclass(frozen=True)
class Lookup:
    """The partnership at ``now`` (None: no such enabled partnership) and an earlier exchange with the
    same Message-ID."""

    partnership: Partnership | None
    earlier_exchange_id: int | None


_entries: dict[tuple[str, bytes, str, str], _Entry] = {}
_lock = threading.Lock()


def lookup(
    db: Database, master_key: bytes, as2_from: str, as2_to: str, message_id: str | None, now: datetime
) -> Lookup:
    """The partnership from ``as2_from`` to ``as2_to`` and the duplicate check, in one statement unless
    the partnership changed since this process last loaded it."""
    params = {"as2_from": as2_from, "as2_to": as2_to, "message_id": message_id or ""}
    rows = db.fetch(_STATE, params)
    rows = [row for row in rows if row[0] == rows[0][0]] if rows else rows
    if not rows or not rows[0][2]:
        return Lookup(None, None)
    earlier = rows[0][_EARLIER] if message_id else None
    state = (rows[0][:_PARTNER_COLUMNS], tuple(row[_PARTNER_COLUMNS:_EARLIER] for row in rows))
    key = (db.url, hashlib.sha256(master_key).digest(), as2_from, as2_to)
    entry = _entries.get(key)
    if entry is None or entry.state != state or entry.expires < time.monotonic():
        loaded = _load(db, master_key, as2_from, as2_to)
        if loaded is None:
            return Lookup(None, None)
        entry = _Entry(state, loaded, time.monotonic() + TTL_SECONDS)
        with _lock:
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[key] = entry
    return Lookup(entry.loaded.at(now), earlier)


def forget_all() -> None:
    """Drop every cached partnership (the next request of each reloads)."""
    with _lock:
        _entries.clear()


def _load(db: Database, master_key: bytes, as2_from: str, as2_to: str) -> _Loaded | None:
    """None when the partnership went away since the state was read."""
    with db.sessions() as session:
        partner = find_by_as2_id(session, as2_from)
        station = certs.find_station_by_as2_id(session, as2_to)
        if partner is None or station is None or not partner.enabled:
            return None
        keys = certs.station_keys(session, station.id, [master_key])
        pairs = {k.row_id: KeyPair(k.private_key, k.certificate) for k in keys}
        return _Loaded(
            partner_id=partner.id,
            station_id=station.id,
            as2=profile_of(partner).transports.as2,
            keys=tuple(pairs.values()),
            signers=_signers(session, station.id, pairs),
            partner_certs=_partner_certs(session, partner.id),
        )


def _signers(
    session: Session, station_id: int, pairs: dict[int, KeyPair]
) -> tuple[tuple[ManagedCertificate, KeyPair], ...]:
    rows = certs.certificates_of(session, station_id=station_id)
    return tuple((certs.managed(row), pairs[row.id]) for row in rows if row.id in pairs)


def _partner_certs(
    session: Session, partner_id: int
) -> tuple[tuple[int, ManagedCertificate, x509.Certificate], ...]:
    rows: Sequence[Any] = certs.certificates_of(session, partner_id=partner_id)
    return tuple(
        (row.id, certs.managed(row), x509.load_pem_x509_certificate(row.info["pem"].encode())) for row in rows
    )
