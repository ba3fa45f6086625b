"""Content-addressed blob files (``blobs/ab/cd/<sha256>``), written atomically and durably before the
database record that points to them commits, so a record never points to a missing blob."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from gateway.errors import GatewayError


class BlobMissingError(GatewayError):
    http_status = 410
    code = "archive_blob_missing"


def blob_path(root: Path, sha256: str) -> Path:
    return root / "blobs" / sha256[:2] / sha256[2:4] / sha256


def put_blob(root: Path, content: bytes) -> str:
    """Store ``content`` (idempotent) and return its SHA-256; the file is fsynced before this returns."""
    digest = hashlib.sha256(content).hexdigest()
    target = blob_path(root, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o440)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return digest


def get_blob(root: Path, sha256: str) -> bytes:
    path = blob_path(root, sha256)
    if not path.exists():
        raise BlobMissingError(f"archived content {sha256} is missing from the archive folder")
    return path.read_bytes()
