"""Authentication and channel policy of the embedded SFTP server: public keys only (checked against the
partner profile read on each attempt), one ``session`` channel type, the ``sftp`` subsystem only — no
shell, exec, port forwarding, agent or X11."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from gateway.sftp.accounts import SftpAccount
from gateway.sftp.ssh import fingerprint_of, same_key

log = logging.getLogger(__name__)

MAX_AUTH_ATTEMPTS: Final = 6
SFTP_SUBSYSTEM: Final = "sftp"

AccountLookup = Callable[[str], SftpAccount | None]


class UploadTracker(Protocol):
    """Told when an upload starts, when it is complete (closed, or renamed into place), and when it was
    abandoned (the session ended with the file still open)."""

    def opened(self, path: Path) -> None: ...

    def closed(self, path: Path) -> None: ...

    def abandoned(self, path: Path) -> None: ...


class NoTracking:
    """For a server without an inbox watcher in the same process (the stability rule then applies)."""

    def opened(self, path: Path) -> None:
        return None

    def closed(self, path: Path) -> None:
        return None

    def abandoned(self, path: Path) -> None:
        return None


@dataclass(frozen=True)
class PartnerContext:
    """What an authenticated SFTP session may touch: one partner's folder, within the limits."""

    account: SftpAccount
    root: Path
    max_file_bytes: int
    max_files: int
    uploads: UploadTracker


class PartnerAuth(paramiko.ServerInterface):
    """One instance per connection; ``context`` is set once a partner's key signed the login."""

    def __init__(self, lookup: AccountLookup, make_context: Callable[[SftpAccount], PartnerContext]) -> None:
        self._lookup = lookup
        self._make_context = make_context
        self._attempts = 0
        self._lock = threading.Lock()
        self.context: PartnerContext | None = None

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        with self._lock:
            self._attempts += 1
            if self._attempts > MAX_AUTH_ATTEMPTS:
                return AUTH_FAILED
        if key.public_blob is not None:
            log.info("SFTP certificate login refused", extra={"username": username})
            return AUTH_FAILED
        account = self._lookup(username)
        if account is None or not any(same_key(key, allowed) for allowed in account.authorized_keys):
            log.info("SFTP key refused", extra={"username": username, "key": fingerprint_of(key)})
            return AUTH_FAILED
        # paramiko verifies the signature after this answer; the context is used only once it did.
        self.context = self._make_context(account)
        return AUTH_SUCCESSFUL

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return OPEN_SUCCEEDED if kind == "session" else OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_subsystem_request(self, channel: paramiko.Channel, name: str) -> bool:
        if name != SFTP_SUBSYSTEM or self.context is None or not channel.get_transport().is_authenticated():
            return False
        return super().check_channel_subsystem_request(channel, name)
