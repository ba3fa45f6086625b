"""``outbound.notify_partner``: tell a REST partner's webhook that a document is waiting to be fetched.

The POST body is ``{"exchange_id", "filename", "url", ...}`` as compact sorted JSON, signed with
HMAC-SHA256 (``X-Edigw-Signature: sha256=<hex>``) under the secret the profile's ``webhook_secret_ref``
names (stored sealed with ``edigw sftp password REF --file``), with an ``Idempotency-Key`` that stays the
same across retries. The URL's host is resolved once and every address checked against the
private-network rules before connecting (same client as AS2); redirects are never followed. 5xx, 408,
429 and network errors are retried by the outbox with backoff; other 4xx or a refused address are final.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy.orm import Session

from gateway.as2.http_client import Endpoint, post
from gateway.config import Settings, get_settings
from gateway.erp.connectors import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signature
from gateway.errors import GatewayError, PermanentJobError
from gateway.models import OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import Exchange, ExchangeStatus
from gateway.models.partner import Partner
from gateway.onboarding.service import profile_of
from gateway.outbox import IoHandler, enqueue
from gateway.partner_api.schemas import DOCUMENTS_PATH
from gateway.sftp.credentials import load_secret
from gateway.worker import job_task
from partners.transports import RestSettings

log = logging.getLogger(__name__)

NOTIFY_TASK: Final = "outbound.notify_partner"
EVENT_HEADER: Final = "X-Edigw-Event"
EVENT: Final = "document.available"
WEBHOOK_TIMEOUT_SECONDS: Final = 30.0
MAX_ERROR_CHARS: Final = 1000


def webhook_of(partner: Partner) -> RestSettings | None:
    rest = profile_of(partner).transports.rest
    return rest if rest is not None and rest.webhook_url else None


def queue_notify(session: Session, settings: Settings, exchange: Exchange) -> None:
    """Queue the webhook for an exchange now available to fetch, if the partner has a webhook."""
    partner = session.get(Partner, exchange.partner_id)
    if partner is None or webhook_of(partner) is None:
        return
    enqueue(
        session,
        settings,
        NOTIFY_TASK,
        subject_type="exchange",
        subject_id=exchange.id,
        dedup_key=f"{NOTIFY_TASK}:{exchange.id}",
    )


def idempotency_key(exchange_id: int) -> str:
    return f"edigw-available-{exchange_id}"


def payload(settings: Settings, exchange: Exchange) -> dict[str, Any]:
    path = f"{DOCUMENTS_PATH}/{exchange.id}"
    base = (settings.as2_public_url or "").rstrip("/")
    return {
        "event": EVENT,
        "exchange_id": exchange.id,
        "filename": exchange.filename,
        "content_type": exchange.content_type,
        "size": exchange.size,
        "sha256": exchange.content_sha256,
        "kind": exchange.meta.get("ack_kind") or exchange.meta.get("document_kind"),
        "url": base + path,
        "canonical_url": f"{base}{path}/canonical",
    }


@dataclass(frozen=True)
class _Notice:
    exchange_id: int
    endpoint: Endpoint
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _secret(settings: Settings, rest: RestSettings) -> bytes:
    assert rest.webhook_secret_ref is not None
    try:
        return load_secret(settings, rest.webhook_secret_ref)
    except GatewayError as exc:
        raise PermanentJobError(
            f"webhook secret {rest.webhook_secret_ref!r} is not stored: {exc.message}"
        ) from exc


def load(session: Session, job: OutboxJob) -> _Notice | None:
    settings = get_settings()
    exchange = session.get(Exchange, job.subject_id) if job.subject_id is not None else None
    if exchange is None or exchange.status is not ExchangeStatus.READY:
        return None
    partner = session.get(Partner, exchange.partner_id)
    rest = webhook_of(partner) if partner is not None and partner.enabled else None
    if rest is None or rest.webhook_url is None:
        return None
    body = json.dumps(payload(settings, exchange), sort_keys=True, separators=(",", ":")).encode()
    headers = (
        ("Content-Type", "application/json"),
        (IDEMPOTENCY_HEADER, idempotency_key(exchange.id)),
        (EVENT_HEADER, EVENT),
        (SIGNATURE_HEADER, signature(_secret(settings, rest), body)),
    )
    endpoint = Endpoint(
        rest.webhook_url,
        allow_private_network=rest.allow_private_network,
        timeout_seconds=WEBHOOK_TIMEOUT_SECONDS,
    )
    return _Notice(exchange.id, endpoint, headers, body)


def perform(notice: _Notice) -> tuple[int, int]:
    reply = post(notice.endpoint, notice.headers, notice.body)
    return notice.exchange_id, reply.status


def record(session: Session, job: OutboxJob, outcome: tuple[int, int] | None) -> None:
    if outcome is None:
        return
    exchange = session.get(Exchange, outcome[0], with_for_update=True)
    if exchange is None:
        return
    notified = {"at": utcnow().isoformat(timespec="seconds"), "http_status": outcome[1]}
    exchange.meta = exchange.meta | {"webhook": notified}
    log.info("partner notified", extra={"exchange_id": exchange.id, "http_status": outcome[1]})


def on_failure(session: Session, job: OutboxJob, error: BaseException) -> None:
    exchange = session.get(Exchange, job.subject_id, with_for_update=True) if job.subject_id else None
    if exchange is None:
        return
    failed = {"error": f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS], "attempt": job.attempts}
    exchange.meta = exchange.meta | {"webhook_failed": failed}


notify_partner = job_task(NOTIFY_TASK)(
    IoHandler(load=load, perform=perform, record=record, on_failure=on_failure)
)
