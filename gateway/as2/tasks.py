"""``as2.send_mdn``: deliver an asynchronous MDN to the URL the partner asked for, if its allow-list
permits that URL (no request ever goes to an address the partnership did not name)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.config import get_settings
from gateway.errors import PermanentJobError
from gateway.models import OutboxJob
from gateway.models.partner import Partner
from gateway.onboarding.service import profile_of
from gateway.outbox import IoHandler
from gateway.worker import job_task
from partners.as2_settings import async_mdn_url_allowed

MDN_POST_TIMEOUT_SECONDS = 60.0
RETRYABLE_4XX = frozenset({408, 429})


@dataclass(frozen=True)
class _Post:
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def load(session: Session, job: OutboxJob) -> _Post:
    partner = session.get(Partner, int(job.args["partner_id"]))
    url = str(job.args.get("url") or "")
    as2 = profile_of(partner).transports.as2 if partner else None
    if as2 is None or not async_mdn_url_allowed(as2, url):
        raise PermanentJobError(f"asynchronous MDN URL {url!r} is not on the partner's allow-list")
    body = get_blob(session, get_settings().resolved_archive_dir, str(job.args["mdn_sha256"]))
    headers = tuple((str(name), str(value)) for name, value in job.args["headers"])
    return _Post(url, headers, body)


def perform(post: _Post) -> int:
    with httpx.Client(timeout=MDN_POST_TIMEOUT_SECONDS, follow_redirects=False) as client:
        response = client.post(post.url, content=post.body, headers=list(post.headers))
    if response.is_success:
        return response.status_code
    if 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_4XX:
        raise PermanentJobError(f"partner refused the MDN: HTTP {response.status_code}")
    raise ConnectionError(f"partner answered HTTP {response.status_code} to the MDN")


def record(session: Session, job: OutboxJob, status: int) -> None:
    job.args = job.args | {"delivered_status": status}


send_mdn = job_task("as2.send_mdn")(IoHandler(load=load, perform=perform, record=record))
