"""What an authenticated partner sees over SFTP: a virtual root ``/`` holding ``inbox/`` (upload, rename,
delete), ``outbox/`` (download, delete) and ``archive/`` (download only), and nothing else.

Every path is normalised inside the virtual root first (``..`` and absolute paths never leave it), then
mapped to ``<partner folder>/<folder>/<name>``; no sub-folders, no symlinks (never created, never
followed: ``O_NOFOLLOW`` and a resolved-path check), uploads capped in size and inbox file count.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import posixpath
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, ParamSpec, TypeVar

import paramiko
from paramiko.sftp import (
    SFTP_FAILURE,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
)

from gateway.sftp.auth import PartnerAuth, PartnerContext
from gateway.sftp.errors import UnsafeFileNameError
from gateway.sftp.layout import (
    FILE_MODE,
    FOLDERS,
    INBOX,
    OUTBOX,
    check_file_name,
    is_inside,
    write_error_note,
)

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

P = ParamSpec("P")
R = TypeVar("R")
WRITE_FLAGS: Final = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
REMOVABLE: Final = (INBOX, OUTBOX)
INTERRUPTED_NOTE: Final = (
    "file: {name}\nerror: upload interrupted: the connection ended before the file was closed\n"
    "The partial file stays in the inbox and is not processed; upload it again (or resume it) to retry.\n"
)


@dataclass(frozen=True)
class Target:
    """A resolved virtual path: the root (``folder`` None), a folder (``name`` None) or a file."""

    folder: str | None
    name: str | None
    real: Path


class RefusedError(Exception):
    """An SFTP status answer raised from deep inside an operation."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _status_of(exc: OSError) -> int:
    return paramiko.SFTPServer.convert_errno(exc.errno or errno.EIO)


def answers_status(method: Callable[P, R]) -> Callable[P, R | int]:
    """Turn ``RefusedError`` and ``OSError`` raised by an operation into its SFTP status code."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | int:
        try:
            return method(*args, **kwargs)
        except RefusedError as refused:
            return refused.status
        except OSError as exc:
            return _status_of(exc)

    return wrapper


def _virtual(path: str) -> str:
    return posixpath.normpath("/" + path.lstrip("/"))


def resolve(root: Path, path: str) -> Target:
    """Map a client path to a real path inside ``root``; raises ``RefusedError`` when it is not allowed."""
    if "\x00" in path:
        raise RefusedError(SFTP_PERMISSION_DENIED)
    parts = [p for p in _virtual(path).split("/") if p]
    if not parts:
        return Target(None, None, root)
    if parts[0] not in FOLDERS:
        raise RefusedError(SFTP_NO_SUCH_FILE)
    folder_path = root / parts[0]
    if len(parts) > 2 or not is_inside(root, folder_path):
        raise RefusedError(SFTP_PERMISSION_DENIED)
    if len(parts) == 1:
        return Target(parts[0], None, folder_path)
    try:
        name = check_file_name(parts[1])
    except UnsafeFileNameError:
        raise RefusedError(SFTP_PERMISSION_DENIED) from None
    return Target(parts[0], name, folder_path / name)


def lstat_no_link(real: Path) -> os.stat_result | None:
    """``lstat`` of an entry; None when missing; a symlink is refused, never followed."""
    try:
        st = os.lstat(real)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise RefusedError(SFTP_PERMISSION_DENIED)
    return st


def regular_file(target: Target) -> Target:
    st = lstat_no_link(target.real) if target.name is not None else None
    if target.name is not None and st is None:
        raise RefusedError(SFTP_NO_SUCH_FILE)
    if st is None or not stat.S_ISREG(st.st_mode):
        raise RefusedError(SFTP_PERMISSION_DENIED)
    return target


def require(condition: bool, status: int = SFTP_PERMISSION_DENIED) -> None:
    if not condition:
        raise RefusedError(status)


class PartnerHandle(paramiko.SFTPHandle):
    """An open file: positional reads and writes on a descriptor, the size cap enforced per write."""

    def __init__(
        self, fd: int, real: Path, context: PartnerContext, writable: bool, flags: int, ended: threading.Event
    ) -> None:
        super().__init__(flags)
        self._fd = fd
        self._real = real
        self._context = context
        self._writable = writable
        self._too_large = False
        self._session_ended = ended
        self._closed = False

    def read(self, offset: int, length: int) -> bytes | int:
        try:
            return os.pread(self._fd, length, offset)
        except OSError as exc:
            return _status_of(exc)

    def write(self, offset: int, data: ReadableBuffer) -> int:
        chunk = memoryview(data)
        if not self._writable:
            return SFTP_PERMISSION_DENIED
        if offset + len(chunk) > self._context.max_file_bytes:
            self._too_large = True
            return SFTP_FAILURE
        try:
            os.pwrite(self._fd, chunk, offset)
        except OSError as exc:
            return _status_of(exc)
        return SFTP_OK

    def stat(self) -> int | paramiko.SFTPAttributes:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self._fd))

    def chattr(self, attr: paramiko.SFTPAttributes) -> int:
        return SFTP_OK if self._writable else SFTP_PERMISSION_DENIED

    def close(self) -> None:
        """The client's CLOSE completes an upload; a handle closed because the session died did not."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            os.close(self._fd)
        super().close()
        if not self._writable:
            return
        if self._too_large:
            with contextlib.suppress(FileNotFoundError):
                self._real.unlink()
        elif self._session_ended.is_set():
            with contextlib.suppress(OSError):
                write_error_note(self._real, INTERRUPTED_NOTE.format(name=self._real.name))
            self._context.uploads.abandoned(self._real)
            return
        self._context.uploads.closed(self._real)


class PartnerFilesystem(paramiko.SFTPServerInterface):
    """The SFTP operations of one authenticated partner session."""

    def __init__(self, server: paramiko.ServerInterface, *args: Any, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        if not isinstance(server, PartnerAuth) or server.context is None:
            raise PermissionError("SFTP session without an authenticated partner")
        self._context = server.context
        self._root = server.context.root
        self._ended = threading.Event()

    def session_ended(self) -> None:
        self._ended.set()

    def canonicalize(self, path: str) -> str:
        return _virtual(path)

    def _inbox_full(self) -> bool:
        with os.scandir(self._root / INBOX) as entries:
            return sum(1 for _ in entries) >= self._context.max_files

    def _file(self, path: str) -> Target:
        return regular_file(resolve(self._root, path))

    @answers_status
    def open(self, path: str, flags: int, attr: paramiko.SFTPAttributes) -> paramiko.SFTPHandle:
        target = resolve(self._root, path)
        writable = bool(flags & WRITE_FLAGS)
        require(target.name is not None and (not writable or target.folder == INBOX))
        existing = lstat_no_link(target.real)
        if existing is None:
            require(not writable or not self._inbox_full(), SFTP_FAILURE)
        else:
            require(stat.S_ISREG(existing.st_mode))
        fd = os.open(target.real, flags | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        if writable:
            self._context.uploads.opened(target.real)
        return PartnerHandle(fd, target.real, self._context, writable, flags, self._ended)

    def _attributes(self, target: Target) -> paramiko.SFTPAttributes:
        st = lstat_no_link(target.real)
        require(st is not None, SFTP_NO_SUCH_FILE)
        assert st is not None
        require(target.name is None or stat.S_ISREG(st.st_mode))
        return paramiko.SFTPAttributes.from_stat(st, target.name or target.folder or "/")

    @answers_status
    def stat(self, path: str) -> paramiko.SFTPAttributes:
        return self._attributes(resolve(self._root, path))

    def lstat(self, path: str) -> paramiko.SFTPAttributes | int:
        return self.stat(path)

    @answers_status
    def list_folder(self, path: str) -> list[paramiko.SFTPAttributes]:
        target = resolve(self._root, path)
        if target.folder is None:
            return [self._attributes(Target(name, None, self._root / name)) for name in FOLDERS]
        require(target.name is None, SFTP_FAILURE)
        listing = []
        with os.scandir(target.real) as entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    listing.append(paramiko.SFTPAttributes.from_stat(st, entry.name))
        return listing

    @answers_status
    def remove(self, path: str) -> int:
        target = self._file(path)
        require(target.folder in REMOVABLE)
        target.real.unlink()
        return SFTP_OK

    def _rename(self, oldpath: str, newpath: str, overwrite: bool) -> int:
        source = self._file(oldpath)
        target = resolve(self._root, newpath)
        require(source.folder == INBOX and target.folder == INBOX and target.name is not None)
        existing = lstat_no_link(target.real)
        require(existing is None or (overwrite and stat.S_ISREG(existing.st_mode)), SFTP_FAILURE)
        os.replace(source.real, target.real)
        self._context.uploads.closed(target.real)
        return SFTP_OK

    @answers_status
    def rename(self, oldpath: str, newpath: str) -> int:
        return self._rename(oldpath, newpath, overwrite=False)

    @answers_status
    def posix_rename(self, oldpath: str, newpath: str) -> int:
        return self._rename(oldpath, newpath, overwrite=True)

    @answers_status
    def chattr(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        require(self._file(path).folder == INBOX)
        return SFTP_OK

    def mkdir(self, path: str, attr: paramiko.SFTPAttributes) -> int:
        return SFTP_PERMISSION_DENIED

    def rmdir(self, path: str) -> int:
        return SFTP_PERMISSION_DENIED

    def symlink(self, target_path: str, path: str) -> int:
        return SFTP_PERMISSION_DENIED

    def readlink(self, path: str) -> str | int:
        return SFTP_OP_UNSUPPORTED
