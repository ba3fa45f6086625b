"""Archived contents, addressed by SHA-256, always durable before the records that point to them.

Small contents (up to ``INLINE_MAX_BYTES``: nearly every EDI message, signed entity and MDN) are rows
of ``archive_blob``, written in the same transaction as their records: nothing to create, rename and
flush per artefact, and a record and its content commit together. Larger ones are files
(``blobs/ab/<sha256>``), written atomically and durably before the transaction that records them.
Readers look in the table first, then in the folder, where every content archived by earlier
versions stays.

One level of 256 folders, as git stores objects: the two-level ``blobs/ab/cd/<sha256>`` layout of
earlier versions created a new folder for almost every blob of the first hundred thousand, and creating
folders (inode allocation across the filesystem) cost about as much CPU as writing the blobs. Blobs
stored that way are still found where they are; new ones go to the one-level place."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from gateway.db import insert_or_skip
from gateway.durability import FLUSHER, WHOLE_FILESYSTEM
from gateway.errors import GatewayError
from gateway.models.archive import ArchiveBlob


class BlobMissingError(GatewayError):
    http_status = 410
    code = "archive_blob_missing"


BLOB_MODE = 0o440
# Contents up to this size are kept in the database (see the module docstring). The AS2 artefacts of a
# typical message are a few kilobytes each; a row this size is still cheap to write in the transaction.
INLINE_MAX_BYTES = 64 * 1024

_BLOB = cast(Table, ArchiveBlob.__table__)


@dataclass(frozen=True)
class Prepared:
    """Contents made ready for archiving by :func:`prepare`: the large ones are durable files already,
    the small ones (``inline``, by SHA-256) are rows for :func:`save`."""

    digests: dict[bytes, str]  # by content
    inline: dict[str, bytes]

    def digest_of(self, content: bytes) -> str:
        """The SHA-256 of a prepared content (found again without hashing it: no SHA-256 in the write
        transaction). Raises ``KeyError`` for a content that was not prepared, so not archived."""
        return self.digests[content]


def prepare(root: Path, contents: Iterable[bytes]) -> Prepared:
    """The work of archiving that needs no transaction: hash every content and store the large ones as
    durable files (:func:`put_blobs`), so that a write transaction only has to :func:`save` the rest."""
    digests = {content: hashlib.sha256(content).hexdigest() for content in contents}
    inline = {digest: c for c, digest in digests.items() if len(c) <= INLINE_MAX_BYTES}
    large = [c for c in digests if len(c) > INLINE_MAX_BYTES]
    if large:
        put_blobs(root, large)
    return Prepared(digests, inline)


def save(session: Session, prepared: Prepared) -> None:
    """Write the small contents of ``prepared`` in the caller's transaction (a content already kept is
    left as it is: same SHA-256, same bytes). On PostgreSQL the caller holds the archive head
    (``gateway.archive.chain``): a transaction inserting a content that another has inserted but not
    committed waits for it, and if that one could in turn be waiting for the head, the two would
    deadlock."""
    if prepared.inline:
        rows = [{"sha256": digest, "content": content} for digest, content in prepared.inline.items()]
        session.connection().execute(insert_or_skip(session, _BLOB, ["sha256"]), rows)


def blob_path(root: Path, sha256: str) -> Path:
    """Where the blob is (or goes, when it is not stored yet)."""
    return Path(_stored_file(str(root), sha256) or _blob_file(str(root), sha256))


def _blob_file(root: str, sha256: str) -> str:
    return f"{root}/blobs/{sha256[:2]}/{sha256}"


def _earlier_blob_file(root: str, sha256: str) -> str:
    """The two-level place of earlier versions."""
    return f"{root}/blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def _stored_file(root: str, sha256: str) -> str | None:
    for path in (_blob_file(root, sha256), _earlier_blob_file(root, sha256)):
        if os.path.exists(path):
            return path
    return None


def put_blobs(root: Path, contents: Iterable[bytes]) -> list[str]:
    """Store each content (idempotent) and return their SHA-256s, all durable when this returns.

    New files are written under temporary names, renamed into place (a blob path never holds partial
    content while the system runs), and then made durable together with the directory entries, in one
    flush shared with concurrent callers (``gateway.durability``): with ``syncfs`` that is one flush
    per call instead of one for the contents and one for the names. A power loss before that flush can
    leave a blob path with partial content, but no database record points to it yet (records commit
    after this returns); the next call storing that content finds it wrong and replaces it. A blob
    already in place is compared with the content and flushed again as well: it may be another
    caller's, renamed but not yet durable."""
    digests, pending, seen, base = [], [], set(), str(root)
    touched: set[str] = set()
    try:
        for content in contents:
            digest = hashlib.sha256(content).hexdigest()
            digests.append(digest)
            if digest in seen:
                continue
            seen.add(digest)
            stored = _stored_file(base, digest)
            if stored is not None and _holds(stored, content):
                touched.add(os.path.dirname(stored))
            else:
                pending.append(_Pending.start(_blob_file(base, digest), content))
        for blob in pending:
            touched |= blob.commit()
        _flush(touched, [blob.fd for blob in pending])
    finally:
        for blob in pending:
            blob.discard()
    return digests


def _holds(path: str, content: bytes) -> bool:
    """The file at ``path`` holds exactly ``content``."""
    try:
        with open(path, "rb") as stored:
            return os.fstat(stored.fileno()).st_size == len(content) and stored.read() == content
    except FileNotFoundError:
        return False


class _Pending:
    """A blob written under a temporary name in its final directory, then renamed into place; its
    descriptor stays open until the flush that makes it durable."""

    def __init__(self, target: str, tmp: str, fd: int, created: set[str]) -> None:
        self.target, self.tmp, self.fd, self.created = target, tmp, fd, created

    @classmethod
    def start(cls, target: str, content: bytes) -> _Pending:
        directory = os.path.dirname(target)
        created = _make_dirs(directory)
        tmp = f"{directory}/.incoming-{secrets.token_hex(8)}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BLOB_MODE)
        except FileNotFoundError:  # the folder was removed behind this process's back: make it again
            _existing_dirs.discard(directory)
            created = _make_dirs(directory)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BLOB_MODE)
        pending = cls(target, tmp, fd, created)
        try:
            os.fchmod(fd, BLOB_MODE)
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            pending.discard()
            raise
        return pending

    def commit(self) -> set[str]:
        """Rename into place (replacing a wrong file there); returns the directories whose entries
        changed."""
        os.replace(self.tmp, self.target)
        self.tmp = ""
        return self.created | {os.path.dirname(self.target)}

    def discard(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.tmp:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.tmp)
            self.tmp = ""


_existing_dirs: set[str] = set()  # folders this process saw or made (the archive never removes one)


def _make_dirs(directory: str) -> set[str]:
    """Create ``directory`` and missing parents; returns the parents whose entries changed."""
    if directory in _existing_dirs:
        return set()
    missing, parent = [], directory
    while not os.path.isdir(parent):
        missing.append(parent)
        parent = os.path.dirname(parent)
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
    _existing_dirs.add(directory)
    return {os.path.dirname(path) for path in missing}


def _flush(directories: set[str], files: list[int]) -> None:
    """Make the files and the entries of the directories durable (one shared flush). Where a flush
    covers a whole filesystem, the new files' descriptors stand for their folders too (a folder
    holding a new file, or made for one, is on that file's filesystem), so none is opened."""
    if WHOLE_FILESYSTEM and files:
        FLUSHER.flush(files)
        return
    fds: list[int] = []
    try:
        for directory in directories:
            fds.append(os.open(directory, os.O_RDONLY))
        FLUSHER.flush(files + fds)
    finally:
        for fd in fds:
            os.close(fd)


def _inline(session: Session, sha256: str) -> bytes | None:
    content = session.execute(select(_BLOB.c.content).where(_BLOB.c.sha256 == sha256)).scalar()
    return None if content is None else bytes(content)


def get_blob(session: Session, root: Path, sha256: str) -> bytes:
    """The archived content with this SHA-256, from the database or the archive folder."""
    content = _inline(session, sha256)
    if content is not None:
        return content
    path = blob_path(root, sha256)
    if not path.exists():
        raise BlobMissingError(
            f"archived content {sha256} is missing from the database and the archive folder"
        )
    return path.read_bytes()


def stored_digest(session: Session, root: Path, sha256: str) -> tuple[str, str] | None:
    """Where the content filed under ``sha256`` is kept ("database" or "file") and the SHA-256 of what
    is actually there (an alteration shows as a mismatch), or None when it is nowhere."""
    content = _inline(session, sha256)
    if content is not None:
        return "database", hashlib.sha256(content).hexdigest()
    path = blob_path(root, sha256)
    if not path.exists():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as blob:
        for chunk in iter(lambda: blob.read(1 << 20), b""):
            digest.update(chunk)
    return "file", digest.hexdigest()
