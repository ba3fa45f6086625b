"""Taking SFTP files in and putting documents out.

Inbound: a complete file (in a partner's ``inbox/`` or downloaded from the partner's server) is handed to
``gateway.inbound.service.accept`` inside one transaction with the idempotency key
``sftp:<sha256>:<file name>``; only after commit is the file moved to ``archive/`` (or the remote copy
removed), so a crash before commit re-takes the file and accept() reports the repeat as a duplicate.
A file that cannot be taken gets a ``<name>.error`` note the partner can read.

Outbound: ``enqueue_delivery`` stores the bytes in the archive's blob store and queues ``sftp.push_file``,
which writes atomically to the partner's server or, for partners without one, to their ``outbox/``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gateway.archive.chain import store
from gateway.config import Settings
from gateway.db import get_database
from gateway.errors import GatewayError
from gateway.inbound.service import AcceptResult, Received, accept
from gateway.models import OutboxJob
from gateway.outbox import enqueue
from gateway.sftp.accounts import enabled_partner_by_code
from gateway.sftp.errors import FileTooLargeError, UnknownSftpPartnerError
from gateway.sftp.layout import check_file_name, move_to_archive, write_error_note
from partners.errors import PartnersError

log = logging.getLogger(__name__)

TRANSPORT: Final = "sftp"
PUSH_TASK: Final = "sftp.push_file"
AcceptFn = Callable[[Session, Settings, Received], AcceptResult]


@dataclass(frozen=True)
class Taken:
    """The outcome of taking one inbox file: accepted (maybe as a duplicate) or left with a note."""

    path: Path
    result: AcceptResult | None = None
    archived_to: Path | None = None
    error: str | None = None


def message_id_for(content: bytes, filename: str) -> str:
    """The SFTP idempotency key: the same bytes under the same name are one message."""
    return f"sftp:{hashlib.sha256(content).hexdigest()}:{filename}"


def received_for(partner_id: int, filename: str, content: bytes, meta: dict[str, Any]) -> Received:
    return Received(
        partner_id=partner_id,
        transport=TRANSPORT,
        content=content,
        filename=filename,
        message_id=message_id_for(content, filename),
        meta={"size": len(content)} | meta,
    )


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat()


def _read_inbox_file(settings: Settings, path: Path) -> tuple[bytes, os.stat_result]:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        before = os.fstat(handle.fileno())
        if before.st_size > settings.sftp_max_file_bytes:
            raise FileTooLargeError(
                f"{path.name} has {before.st_size} bytes; at most {settings.sftp_max_file_bytes} are accepted"
            )
        content = handle.read(settings.sftp_max_file_bytes + 1)
    if len(content) > settings.sftp_max_file_bytes:
        raise FileTooLargeError(f"{path.name} grew beyond {settings.sftp_max_file_bytes} bytes")
    return content, before


def _accept_inbox_file(settings: Settings, path: Path, accept_fn: AcceptFn) -> AcceptResult:
    partner_code = path.parent.parent.name
    content, st = _read_inbox_file(settings, path)
    meta = {"remote_path": f"/inbox/{path.name}", "mtime": _iso(st.st_mtime), "source": "inbox"}
    with get_database(settings).transaction() as session:
        partner = enabled_partner_by_code(session, partner_code)
        if partner is None:
            raise UnknownSftpPartnerError(f"no enabled partner has the code {partner_code!r}; file kept")
        return accept_fn(session, settings, received_for(partner.id, path.name, content, meta))


def error_note(path: Path, exc: BaseException, reference: str) -> str:
    """The text a partner reads in ``<name>.error``: what failed and where, never internals."""
    lines = [f"file: {path.name}", f"time: {datetime.now(UTC).isoformat()}", f"reference: {reference}"]
    if isinstance(exc, GatewayError):
        lines.append(f"error: {exc.code}: {exc.message}")
        if exc.location:
            lines.append(f"location: {exc.location}")
    elif isinstance(exc, PartnersError):
        lines.append(f"error: {exc}")
    else:
        lines.append("error: unexpected processing error; the gateway operator has the details")
    lines.append("The file stays in the inbox; upload a corrected file (or the same one again) to retry.")
    return "\n".join(lines) + "\n"


def take_inbox_file(settings: Settings, path: Path, accept_fn: AcceptFn = accept) -> Taken:
    """Accept one complete inbox file and, after commit, move it to ``archive/``.

    Database outages propagate (the file is simply taken on a later scan); a file that vanished (the
    partner deleted it, or another watcher took it) is skipped; any other failure leaves a ``.error``
    note and the file where it is.
    """
    try:
        check_file_name(path.name)
        result = _accept_inbox_file(settings, path, accept_fn)
    except DBAPIError:
        raise
    except FileNotFoundError:
        return Taken(path)
    except Exception as exc:
        reference = uuid.uuid4().hex[:12]
        log.warning("SFTP inbox file not taken: %s", exc, extra={"file": str(path), "reference": reference})
        text = error_note(path, exc, reference)
        write_error_note(path, text)
        return Taken(path, error=text)
    try:
        archived: Path | None = move_to_archive(path)
    except FileNotFoundError:
        archived = None  # another watcher moved it after its own (duplicate-safe) accept
    log.info(
        "SFTP file taken",
        extra={"file": path.name, "exchange_id": result.exchange_id, "duplicate": result.duplicate},
    )
    return Taken(path, result=result, archived_to=archived)


def enqueue_delivery(
    session: Session,
    settings: Settings,
    partner_id: int,
    filename: str,
    content: bytes,
    dedup_key: str | None = None,
) -> OutboxJob:
    """Queue a document for an SFTP partner in the caller's transaction (its content archived in it);
    a job with the same ``dedup_key`` is reused."""
    check_file_name(filename)
    digest = store(session, settings.resolved_archive_dir, [content])[0]
    return enqueue(
        session,
        settings,
        PUSH_TASK,
        subject_type="partner",
        subject_id=partner_id,
        args={"filename": filename, "sha256": digest},
        dedup_key=dedup_key,
    )
