"""Moving files between the gateway and one partner: push a document (to their server, or into their
``outbox/`` on ours), pull their ``download_dir`` into accept(), and remove pulled files after commit.

Network work runs with no transaction open: a pull first ``fetch``es a bounded batch of files, then
``import_fetched`` accepts them in one transaction and, in the same transaction, queues one
``sftp.remove_remote_file`` job per file, so a remote file is deleted only once its import is committed
(and only if unchanged). A crash before that commit leaves the files for the next pull; accept() spots
a file imported twice by its key ``sftp:<sha256>:<name>``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from paramiko import SFTPClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.errors import PermanentJobError
from gateway.inbound.service import AcceptResult
from gateway.models import JobStatus, OutboxJob
from gateway.models.partner import Partner
from gateway.onboarding.service import profile_of
from gateway.outbox import enqueue
from gateway.sftp import client as sftp_client
from gateway.sftp.client import RemoteFile
from gateway.sftp.errors import FileTooLargeError
from gateway.sftp.layout import write_to_outbox
from gateway.sftp.service import AcceptFn, received_for
from partners.transports import SftpOutboundSettings

log = logging.getLogger(__name__)

Signature = tuple[str, int, int]
"""A remote file as imported: path, size, mtime."""

PULL_TASK: Final = "sftp.pull_partner"
REMOVE_TASK: Final = "sftp.remove_remote_file"
PULL_BATCH: Final = 100
PULL_BATCH_BYTES: Final = 64 * 1024 * 1024


@dataclass
class Fetched:
    """Files downloaded by one pull, in order, with those left for later or skipped."""

    files: list[tuple[RemoteFile, bytes]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    more: bool = False


@dataclass
class PullReport:
    accepted: list[AcceptResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    more: bool = False


def outbound_of(partner: Partner) -> SftpOutboundSettings | None:
    sftp = profile_of(partner).transports.sftp
    return sftp.outbound if sftp is not None else None


def push(settings: Settings, partner: Partner, filename: str, content: bytes) -> str:
    """Deliver to the partner's server when it has one, else into its ``outbox/`` here; returns where."""
    sftp = profile_of(partner).transports.sftp
    if sftp is not None and sftp.outbound is not None:
        with sftp_client.connect(settings, sftp.outbound) as client:
            path = sftp_client.upload(client, sftp.outbound, filename, content)
        return f"sftp://{sftp.outbound.host}:{sftp.outbound.port}/{path.lstrip('/')}"
    if sftp is not None and sftp.inbound is not None:
        return str(write_to_outbox(settings, partner.code, filename, content))
    raise PermanentJobError(f"partner {partner.code} has no SFTP transport to deliver {filename} to")


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _file_args(file: RemoteFile) -> dict[str, Any]:
    return {"path": file.path, "name": file.name, "size": file.size, "mtime": file.mtime}


def _download_batch(
    settings: Settings, client: SFTPClient, files: list[RemoteFile], fetched: Fetched
) -> None:
    budget = max(settings.sftp_max_file_bytes, PULL_BATCH_BYTES)
    batch = files[:PULL_BATCH]
    fetched.more = len(files) > len(batch)
    for file in batch:
        if fetched.files and file.size > budget:
            fetched.more = True
            return
        try:
            content = sftp_client.download(client, file, settings.sftp_max_file_bytes)
        except FileTooLargeError as exc:
            log.warning("SFTP pull skipped a file: %s", exc.message)
            fetched.skipped.append(file.path)
            continue
        budget -= len(content)
        fetched.files.append((file, content))


def awaiting_removal(session: Session, partner_id: int) -> frozenset[Signature]:
    """Remote files already imported whose removal has not happened yet: a pull leaves them alone."""
    jobs = session.scalars(
        select(OutboxJob).where(
            OutboxJob.task == REMOVE_TASK,
            OutboxJob.subject_id == partner_id,
            OutboxJob.status != JobStatus.DONE,
        )
    )
    return frozenset((str(j.args["path"]), int(j.args["size"]), int(j.args["mtime"])) for j in jobs)


def fetch(settings: Settings, partner: Partner, imported: frozenset[Signature] = frozenset()) -> Fetched:
    """Download a bounded batch from the partner's ``download_dir`` (no database work)."""
    remote = outbound_of(partner)
    if remote is None or remote.download_dir is None:
        raise PermanentJobError(f"partner {partner.code} has no SFTP download_dir to pull from")
    fetched = Fetched()
    with sftp_client.connect(settings, remote) as client:
        files = [
            f for f in sftp_client.list_downloads(client, remote) if (f.path, f.size, f.mtime) not in imported
        ]
        _download_batch(settings, client, files, fetched)
    return fetched


def import_fetched(
    session: Session, settings: Settings, partner: Partner, fetched: Fetched, accept_fn: AcceptFn
) -> PullReport:
    """Accept the fetched files in the caller's transaction and queue their remote removal in it."""
    remote = outbound_of(partner)
    host = remote.host if remote is not None else None
    report = PullReport(skipped=list(fetched.skipped), more=fetched.more)
    for file, content in fetched.files:
        meta = {"remote_path": file.path, "mtime": _iso(file.mtime), "source": "pull", "host": host}
        report.accepted.append(
            accept_fn(session, settings, received_for(partner.id, file.name, content, meta))
        )
        enqueue(
            session,
            settings,
            REMOVE_TASK,
            subject_type="partner",
            subject_id=partner.id,
            args=_file_args(file),
            dedup_key=f"{REMOVE_TASK}:{partner.id}:{file.mtime}:{file.size}:{file.path}"[:255],
        )
    return report


def remove_pulled(settings: Settings, partner: Partner, args: dict[str, Any]) -> bool:
    """Delete one pulled file from the partner's server unless it changed since it was imported."""
    remote = outbound_of(partner)
    if remote is None:
        raise PermanentJobError(f"partner {partner.code} no longer has SFTP outbound settings")
    file = RemoteFile(str(args["path"]), str(args["name"]), int(args["size"]), int(args["mtime"]))
    with sftp_client.connect(settings, remote) as client:
        return sftp_client.remove_if_unchanged(client, file)


def enqueue_due_pulls(session: Session, settings: Settings, now: float) -> int:
    """Queue one pull per partner per poll interval (dedup by time slot: safe from several processes)."""
    queued = 0
    for partner in session.scalars(select(Partner).where(Partner.enabled.is_(True)).order_by(Partner.id)):
        sftp = (partner.profile.get("transports") or {}).get("sftp") or {}
        if not (sftp.get("outbound") or {}).get("download_dir"):
            continue  # cheap pre-filter on the stored JSON before validating the profile
        remote = outbound_of(partner)
        if remote is None or remote.download_dir is None:
            continue
        slot = int(now // remote.poll_interval_seconds)
        key = f"{PULL_TASK}:{partner.id}:{remote.poll_interval_seconds}:{slot}"
        if session.scalar(select(OutboxJob.id).where(OutboxJob.dedup_key == key)) is None:
            enqueue(
                session, settings, PULL_TASK, subject_type="partner", subject_id=partner.id, dedup_key=key
            )
            queued += 1
    return queued
