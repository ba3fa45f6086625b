"""Partner folders on disk: ``<sftp root>/<partner code>/{inbox,outbox,archive}/``, the file-name rules,
confinement checks (no ``..``, no symlinks out), atomic writes into ``outbox/``, moving taken files to
``archive/`` and the ``<name>.error`` notes left beside files that could not be processed.

The same layout serves the embedded server and a chrooted OpenSSH ``internal-sftp``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from gateway.config import Settings
from gateway.sftp.errors import UnsafeFileNameError
from partners.profile import PARTNER_CODE

INBOX: Final = "inbox"
OUTBOX: Final = "outbox"
ARCHIVE: Final = "archive"
FOLDERS: Final = (INBOX, OUTBOX, ARCHIVE)
ERROR_SUFFIX: Final = ".error"
TEMP_SUFFIXES: Final = (".part", ".partial", ".filepart", ".tmp", ".temp", ".uploading")
MAX_NAME_BYTES: Final = 255
FOLDER_MODE: Final = 0o770
FILE_MODE: Final = 0o640


def check_file_name(name: str) -> str:
    """A plain file name: no separators or control characters, not ``.``/``..``, at most 255 bytes."""
    if name in ("", ".", "..") or "/" in name or "\\" in name or not name.isprintable():
        raise UnsafeFileNameError(f"{name!r} is not a plain file name")
    if len(name.encode("utf-8", errors="surrogateescape")) > MAX_NAME_BYTES:
        raise UnsafeFileNameError(f"file name is longer than {MAX_NAME_BYTES} bytes")
    return name


def is_document_name(name: str) -> bool:
    """Whether an inbox entry is a document to take: not hidden, not a temp name, not an error note."""
    lowered = name.lower()
    return not (name.startswith(".") or lowered.endswith(TEMP_SUFFIXES) or lowered.endswith(ERROR_SUFFIX))


def partner_dir(settings: Settings, partner_code: str) -> Path:
    if not PARTNER_CODE.fullmatch(partner_code):
        raise UnsafeFileNameError(f"{partner_code!r} is not a partner code")
    return settings.resolved_sftp_root / partner_code


def ensure_partner_dirs(settings: Settings, partner_code: str) -> Path:
    """Create the partner's folder and its three sub-folders (idempotent); returns the partner folder."""
    root = partner_dir(settings, partner_code)
    for folder in FOLDERS:
        (root / folder).mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    return root


def is_inside(base: Path, path: Path) -> bool:
    """Whether ``path``, with every symlink resolved, is ``base`` or lies below it."""
    real = Path(os.path.realpath(path))
    real_base = Path(os.path.realpath(base))
    return real == real_base or real_base in real.parents


def is_regular_file(path: Path) -> bool:
    """A regular file that is not a symlink (never follow links inside partner folders)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(folder: Path, name: str, content: bytes) -> Path:
    """Write under a hidden temp name, fsync, then rename into place: readers see all or nothing."""
    target = folder / check_file_name(name)
    temp = folder / f".{secrets.token_hex(8)}.part"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _fsync_dir(folder)
    return target


def write_to_outbox(settings: Settings, partner_code: str, filename: str, content: bytes) -> Path:
    """Place a document for the partner to download; it appears complete or not at all."""
    root = ensure_partner_dirs(settings, partner_code)
    return write_atomically(root / OUTBOX, filename, content)


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return folder / f"{name}.{stamp}"


def move_to_archive(path: Path) -> Path:
    """Move a taken inbox file into the partner's ``archive/`` without overwriting an earlier one."""
    archive = path.parent.parent / ARCHIVE
    archive.mkdir(mode=FOLDER_MODE, exist_ok=True)
    target = _free_name(archive, path.name)
    os.rename(path, target)
    note = error_note_path(path)
    with contextlib.suppress(FileNotFoundError):
        note.unlink()
    return target


def error_note_path(path: Path) -> Path:
    return path.with_name(path.name + ERROR_SUFFIX)


def write_error_note(path: Path, text: str) -> Path:
    """Leave a readable note beside the file; replaced atomically when the file fails again."""
    return write_atomically(path.parent, error_note_path(path).name, text.encode("utf-8"))


def has_current_error_note(path: Path) -> bool:
    """Whether the file already failed in its present form (a re-upload makes the note stale)."""
    try:
        return error_note_path(path).stat().st_mtime_ns >= path.stat().st_mtime_ns
    except FileNotFoundError:
        return False
