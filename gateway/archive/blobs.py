"""Content-addressed blob files (``blobs/ab/<sha256>``), written atomically and durably before the
database record that points to them commits, so a record never points to a missing blob.

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
from pathlib import Path

from gateway.durability import FLUSHER, WHOLE_FILESYSTEM
from gateway.errors import GatewayError


class BlobMissingError(GatewayError):
    http_status = 410
    code = "archive_blob_missing"


BLOB_MODE = 0o440


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


def put_blob(root: Path, content: bytes) -> str:
    """Store ``content`` (idempotent) and return its SHA-256; the file is durable before this returns."""
    return put_blobs(root, [content])[0]


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


def get_blob(root: Path, sha256: str) -> bytes:
    path = blob_path(root, sha256)
    if not path.exists():
        raise BlobMissingError(f"archived content {sha256} is missing from the archive folder")
    return path.read_bytes()
