"""Celery tasks of the sftp area: thin, job-id driven, safe to run twice."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.config import get_settings
from gateway.errors import PermanentJobError
from gateway.inbound.service import accept
from gateway.models import OutboxJob
from gateway.models.partner import Partner
from gateway.outbox import enqueue
from gateway.sftp.errors import HostKeyMismatchError, UnsafeFileNameError
from gateway.sftp.transfer import PULL_TASK, pull, push, remove_pulled
from gateway.worker import job_task

log = logging.getLogger(__name__)


def _partner(session: Session, job: OutboxJob) -> Partner:
    partner = session.get(Partner, job.subject_id) if job.subject_id is not None else None
    if partner is None:
        raise PermanentJobError(f"job {job.id} names no existing partner")
    return partner


def _permanent(exc: HostKeyMismatchError | UnsafeFileNameError) -> PermanentJobError:
    return PermanentJobError(exc.message)


@job_task("sftp.push_file")
def push_file(session: Session, job: OutboxJob) -> None:
    """Deliver the archived bytes ``args.sha256`` as ``args.filename`` (temp name + rename)."""
    settings = get_settings()
    partner = _partner(session, job)
    content = get_blob(settings.resolved_archive_dir, str(job.args["sha256"]))
    try:
        where = push(settings, partner, str(job.args["filename"]), content)
    except (HostKeyMismatchError, UnsafeFileNameError) as exc:
        raise _permanent(exc) from exc
    log.info("SFTP file delivered", extra={"partner": partner.code, "to": where})


@job_task("sftp.pull_partner")
def pull_partner(session: Session, job: OutboxJob) -> None:
    """Import the partner's ``download_dir``; removals are queued to run after this commits."""
    settings = get_settings()
    partner = _partner(session, job)
    try:
        report = pull(session, settings, partner, accept)
    except HostKeyMismatchError as exc:
        raise _permanent(exc) from exc
    if report.more:
        enqueue(
            session,
            settings,
            PULL_TASK,
            subject_type="partner",
            subject_id=partner.id,
            dedup_key=f"{PULL_TASK}:{partner.id}:after:{job.id}",
        )
    log.info("SFTP pull done", extra={"partner": partner.code, "files": len(report.accepted)})


@job_task("sftp.remove_remote_file")
def remove_remote_file(session: Session, job: OutboxJob) -> None:
    """Delete one imported file from the partner's server if it is unchanged."""
    partner = _partner(session, job)
    try:
        removed = remove_pulled(get_settings(), partner, job.args)
    except HostKeyMismatchError as exc:
        raise _permanent(exc) from exc
    log.info("SFTP remote file removal", extra={"path": job.args.get("path"), "removed": removed})
