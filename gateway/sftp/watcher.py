"""The inbox watcher: scans ``<sftp root>/<partner>/inbox/`` and takes each document file once complete.

A file is complete when it is not open for writing in the embedded server and either the server saw its
upload closed (or renamed into place) with the size and mtime it still has, or its size and mtime have
not changed for ``sftp_settle_seconds`` (the rule for plain folders, e.g. behind OpenSSH internal-sftp).
Hidden files, temp names (``*.part`` ...) and ``*.error`` notes are never taken; a file whose note is
newer than the file waits for a re-upload. The clock is passed in, so the rule is testable without sleeps.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.exc import DBAPIError

from gateway.config import Settings
from gateway.inbound.service import accept
from gateway.sftp.layout import INBOX, has_current_error_note, is_document_name
from gateway.sftp.notes import write_processing_notes
from gateway.sftp.service import AcceptFn, Taken, take_inbox_file

log = logging.getLogger(__name__)

Signature = tuple[int, int]
NOTES_EVERY_SECONDS: Final = 30.0
HEARTBEAT_FILE: Final = "sftp.heartbeat"


@dataclass(frozen=True)
class Observation:
    signature: Signature
    since: float


def _signature(st: os.stat_result) -> Signature:
    return st.st_size, st.st_mtime_ns


def _stat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def heartbeat_path(settings: Settings) -> Path:
    """Touched on every watcher loop; its age tells a health check the sftp-server process is alive."""
    return settings.data_dir.resolve() / HEARTBEAT_FILE


def heartbeat_age(settings: Settings) -> float | None:
    path = heartbeat_path(settings)
    return time.time() - path.stat().st_mtime if path.exists() else None


class InboxWatcher:
    """Also the embedded server's ``UploadTracker``: it is told when uploads open and close."""

    def __init__(self, settings: Settings, accept_fn: AcceptFn = accept) -> None:
        self.settings = settings
        self._accept = accept_fn
        self._lock = threading.Lock()
        self._writing: Counter[Path] = Counter()
        self._closed: dict[Path, Signature] = {}
        self._seen: dict[Path, Observation] = {}

    def opened(self, path: Path) -> None:
        with self._lock:
            self._writing[path] += 1
            self._closed.pop(path, None)

    def closed(self, path: Path) -> None:
        st = _stat(path)
        with self._lock:
            if self._writing[path] > 0:
                self._writing[path] -= 1
            if self._writing[path] <= 0:
                del self._writing[path]
                if st is not None:
                    self._closed[path] = _signature(st)

    def abandoned(self, path: Path) -> None:
        with self._lock:
            if self._writing[path] > 0:
                self._writing[path] -= 1
            if self._writing[path] <= 0:
                del self._writing[path]
            self._closed.pop(path, None)

    def is_complete(self, path: Path, st: os.stat_result, now: float) -> bool:
        """The completeness rule for one inbox file observed at ``now`` (seconds)."""
        signature = _signature(st)
        with self._lock:
            if self._writing.get(path, 0) > 0:
                return False
            if self._closed.get(path) == signature:
                return True
            seen = self._seen.get(path)
            if seen is None or seen.signature != signature:
                seen = self._seen[path] = Observation(signature, now)
        return now - seen.since >= self.settings.sftp_settle_seconds

    def _inboxes(self) -> Iterator[Path]:
        root = self.settings.resolved_sftp_root
        if not root.is_dir():
            return
        for entry in sorted(os.scandir(root), key=lambda e: e.name):
            inbox = Path(entry.path) / INBOX
            if entry.is_dir(follow_symlinks=False) and inbox.is_dir() and not inbox.is_symlink():
                yield inbox

    def _candidates(self, inbox: Path) -> Iterator[tuple[Path, os.stat_result]]:
        with os.scandir(inbox) as entries:
            names = sorted(e.name for e in entries if is_document_name(e.name))
        for name in names:
            path = inbox / name
            st = _stat(path)
            if st is not None and stat.S_ISREG(st.st_mode):
                yield path, st

    def _forget(self, path: Path) -> None:
        with self._lock:
            self._seen.pop(path, None)
            self._closed.pop(path, None)

    def scan(self, now: float) -> list[Taken]:
        """One pass over every partner inbox; returns what was taken or noted in this pass."""
        outcomes = []
        present: set[Path] = set()
        for inbox in self._inboxes():
            for path, st in self._candidates(inbox):
                present.add(path)
                if not self.is_complete(path, st, now) or has_current_error_note(path):
                    continue
                outcomes.append(take_inbox_file(self.settings, path, self._accept))
                self._forget(path)
        with self._lock:
            for gone in set(self._seen) - present:
                del self._seen[gone]
            for gone in set(self._closed) - present:
                del self._closed[gone]
        return outcomes

    def run(self, stop: threading.Event) -> None:
        """Scan every ``sftp_scan_interval_seconds`` until ``stop`` is set; a failed pass is retried.
        Every ``NOTES_EVERY_SECONDS`` it also writes notes for files the inbound pipeline rejected."""
        log.info("SFTP inbox watcher started", extra={"root": str(self.settings.resolved_sftp_root)})
        next_notes = 0.0
        heartbeat = heartbeat_path(self.settings)
        while not stop.is_set():
            try:
                heartbeat.touch()
                self.scan(time.time())
                if time.monotonic() >= next_notes:
                    write_processing_notes(self.settings)
                    next_notes = time.monotonic() + NOTES_EVERY_SECONDS
            except DBAPIError as exc:
                log.warning("SFTP inbox scan waits for the database: %s", exc.__class__.__name__)
            except Exception:
                log.exception("SFTP inbox scan failed; retrying")
            stop.wait(self.settings.sftp_scan_interval_seconds)
        log.info("SFTP inbox watcher stopped")
