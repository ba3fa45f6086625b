"""Celery tasks of the sftp area: thin, job-id driven, safe to run twice. The network part of each runs
with no transaction open (``IoHandler``); what it changes in the database is recorded in one transaction
that also completes the job.

- ``sftp.push_file``: deliver archived bytes to the partner (their server, else their ``outbox/``).
- ``sftp.pull_partner``: fetch a batch from the partner's ``download_dir``, accept it, queue removals.
- ``sftp.remove_remote_file``: delete one imported file from the partner's server if unchanged.
- ``sftp.schedule_pulls``: periodic, queues the pulls that are due (one per partner per poll interval).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from gateway.archive.blobs import get_blob
from gateway.config import Settings, get_settings
from gateway.errors import PermanentJobError
from gateway.inbound.service import accept
from gateway.models import OutboxJob
from gateway.models.partner import Partner
from gateway.outbox import IoHandler, enqueue
from gateway.sftp.errors import HostKeyMismatchError, UnsafeFileNameError
from gateway.sftp.transfer import (
    PULL_TASK,
    Fetched,
    Signature,
    awaiting_removal,
    enqueue_due_pulls,
    fetch,
    import_fetched,
    push,
    remove_pulled,
)
from gateway.worker import job_task

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class _Work:
    settings: Settings
    partner: Partner
    args: dict[str, Any]


def _load(session: Session, job: OutboxJob) -> _Work:
    partner = session.get(Partner, job.subject_id) if job.subject_id is not None else None
    if partner is None:
        raise PermanentJobError(f"job {job.id} names no existing partner")
    return _Work(get_settings(), partner, dict(job.args))


def _no_retry_on_config_errors(call: Callable[[], T]) -> T:
    """A changed host key or an unusable file name will not fix itself: the job goes dead at once."""
    try:
        return call()
    except (HostKeyMismatchError, UnsafeFileNameError) as exc:
        raise PermanentJobError(exc.message) from exc


@dataclass(frozen=True)
class _PushWork(_Work):
    content: bytes


def _load_push(session: Session, job: OutboxJob) -> _PushWork:
    work = _load(session, job)
    content = get_blob(session, work.settings.resolved_archive_dir, str(work.args["sha256"]))
    return _PushWork(work.settings, work.partner, work.args, content)


def _push(work: _PushWork) -> str:
    filename = str(work.args["filename"])
    return _no_retry_on_config_errors(lambda: push(work.settings, work.partner, filename, work.content))


def _pushed(session: Session, job: OutboxJob, where: str) -> None:
    log.info("SFTP file delivered", extra={"job_id": job.id, "to": where})


@dataclass(frozen=True)
class _PullWork(_Work):
    imported: frozenset[Signature]


def _load_pull(session: Session, job: OutboxJob) -> _PullWork:
    work = _load(session, job)
    return _PullWork(work.settings, work.partner, work.args, awaiting_removal(session, work.partner.id))


def _pull(work: _PullWork) -> tuple[_Work, Fetched]:
    return work, _no_retry_on_config_errors(lambda: fetch(work.settings, work.partner, work.imported))


def _import(session: Session, job: OutboxJob, outcome: tuple[_Work, Fetched]) -> None:
    work, fetched = outcome
    report = import_fetched(session, work.settings, work.partner, fetched, accept)
    if report.more:
        key = f"{PULL_TASK}:{work.partner.id}:after:{job.id}"
        enqueue(
            session,
            work.settings,
            PULL_TASK,
            subject_type="partner",
            subject_id=work.partner.id,
            dedup_key=key,
        )
    log.info("SFTP pull imported", extra={"partner": work.partner.code, "files": len(report.accepted)})


def _remove(work: _Work) -> bool:
    return _no_retry_on_config_errors(lambda: remove_pulled(work.settings, work.partner, work.args))


def _removed(session: Session, job: OutboxJob, removed: bool) -> None:
    log.info("SFTP remote file removal", extra={"path": job.args.get("path"), "removed": removed})


@job_task("sftp.schedule_pulls")
def schedule_pulls(session: Session, job: OutboxJob) -> None:
    """Periodic (the relay's schedule): queue each partner's pull whose poll interval has come round."""
    queued = enqueue_due_pulls(session, get_settings(), time.time())
    if queued:
        log.info("SFTP pulls queued", extra={"jobs": queued})


push_file = job_task("sftp.push_file")(IoHandler(load=_load_push, perform=_push, record=_pushed))
pull_partner = job_task("sftp.pull_partner")(IoHandler(load=_load_pull, perform=_pull, record=_import))
remove_remote_file = job_task("sftp.remove_remote_file")(
    IoHandler(load=_load, perform=_remove, record=_removed)
)
