"""The onboarding check: is a partner ready (settings and certificates), and does a test message get
through its transport? Results are said in plain words for procurement staff."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive.chain import append
from gateway.auth.service import SYSTEM, Principal, audit
from gateway.certificates.service import certificates_of, managed
from gateway.config import Settings
from gateway.db import Database
from gateway.models.base import utcnow
from gateway.models.certificate import Station
from gateway.models.exchange import Direction, Exchange, ExchangeStatus
from gateway.onboarding.service import get_partner, profile_of
from gateway.outbound.service import queue_send
from partners.readiness import readiness

POLL_SECONDS = 0.25
TEST_CONTENT_TYPE = "text/plain"


@dataclass
class CheckReport:
    ready: bool
    findings: list[dict[str, Any]] = field(default_factory=list)
    exchange_id: int | None = None
    status: str | None = None
    outcome: str = ""


def _own_certificates(session: Session) -> list[Any]:
    stations = session.scalars(select(Station.id))
    return [
        managed(row) for station_id in stations for row in certificates_of(session, station_id=station_id)
    ]


def findings_for(session: Session, partner_id: int, now: datetime) -> list[dict[str, Any]]:
    partner = get_partner(session, partner_id)
    theirs = [managed(row) for row in certificates_of(session, partner_id=partner_id)]
    found = readiness(profile_of(partner), theirs, _own_certificates(session), now)
    return [
        {
            "severity": f.severity.value,
            "code": f.code,
            "setting": ".".join(map(str, f.loc)),
            "message": f.message,
        }
        for f in found
    ]


def start_test(session: Session, settings: Settings, partner_id: int, by: Principal = SYSTEM) -> Exchange:
    """Queue a small test message to the partner over its outbound transport."""
    partner = get_partner(session, partner_id)
    now = utcnow()
    payload = f"EDI partner gateway connectivity test for {partner.code} at {now.isoformat()}\n".encode()
    record = append(session, settings.resolved_archive_dir, "connectivity-test", payload)
    profile = profile_of(partner)
    exchange = Exchange(
        partner_id=partner.id,
        direction=Direction.OUTBOUND,
        transport=profile.transports.outbound.value if profile.transports.outbound else "rest",
        message_id=f"connectivity-test:{record.seq}",
        status=ExchangeStatus.READY,
        filename=f"connectivity-test-{record.seq}.txt",
        content_type=TEST_CONTENT_TYPE,
        content_sha256=record.content_sha256,
        size=len(payload),
        syntax=None,
        meta={"connectivity_test": True},
        duplicate_count=0,
    )
    session.add(exchange)
    session.flush()
    queue_send(session, settings, exchange)
    audit(session, by, "partner.test", "partner", partner.id, after={"exchange_id": exchange.id})
    return exchange


def describe(exchange: Exchange) -> str:
    """What happened to the test message, in plain words."""
    meta, status = exchange.meta, exchange.status
    if status is ExchangeStatus.READY and exchange.transport == "rest":
        return "the test message is waiting for the partner to fetch it over the REST API"
    if status is ExchangeStatus.READY:
        return "the test message is queued and has not been sent yet"
    if status is ExchangeStatus.FAILED:
        return f"the test message was NOT delivered: {exchange.error or 'see the exchange'}"
    mdn = meta.get("mdn") or {}
    if meta.get("mdn_status") == "awaiting":
        return "the test message was delivered; the partner's asynchronous MDN has not arrived yet"
    if mdn.get("disposition"):
        return f"the test message was delivered and the partner's MDN says: {mdn['disposition']}"
    return f"the test message was delivered over {exchange.transport}"


def run_check(
    db: Database, settings: Settings, partner_id: int, wait_seconds: float, by: Principal = SYSTEM
) -> CheckReport:
    """Findings first; with no blocking finding, send a test message and wait up to ``wait_seconds``."""
    with db.sessions() as session:
        findings = findings_for(session, partner_id, utcnow())
    if any(f["severity"] == "error" for f in findings):
        return CheckReport(False, findings, outcome="not ready: fix the errors listed before testing")
    with db.transaction() as session:
        exchange_id = start_test(session, settings, partner_id, by).id
    deadline = time.monotonic() + wait_seconds
    while True:
        with db.sessions() as session:
            exchange = session.get(Exchange, exchange_id)
            assert exchange is not None
            settled = (
                exchange.status is not ExchangeStatus.READY and exchange.meta.get("mdn_status") != "awaiting"
            )
            if settled or time.monotonic() >= deadline:
                ready = exchange.status is not ExchangeStatus.FAILED
                return CheckReport(ready, findings, exchange_id, exchange.status.value, describe(exchange))
        time.sleep(POLL_SECONDS)
