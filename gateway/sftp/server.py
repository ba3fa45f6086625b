"""The embedded SFTP server: a listening socket, one paramiko transport per connection (bounded), the
persistent host key, key-only partner logins and the confined per-partner filesystem."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Final

import paramiko

from gateway.config import Settings
from gateway.db import get_database
from gateway.sftp.accounts import SftpAccount, find_account
from gateway.sftp.auth import (
    SFTP_SUBSYSTEM,
    AccountLookup,
    NoTracking,
    PartnerAuth,
    PartnerContext,
    UploadTracker,
)
from gateway.sftp.filesystem import PartnerFilesystem
from gateway.sftp.layout import ensure_partner_dirs
from gateway.sftp.ssh import fingerprint_of, load_host_key, new_transport

log = logging.getLogger(__name__)

ACCEPT_POLL_SECONDS: Final = 0.5
LOGIN_GRACE_SECONDS: Final = 60.0
HANDSHAKE_TIMEOUT_SECONDS: Final = 30.0
SESSION_IDLE_SECONDS: Final = 900.0
LISTEN_BACKLOG: Final = 64


def database_lookup(settings: Settings) -> AccountLookup:
    """Find the account on every login attempt (read-only), so profile changes apply at once."""
    db = get_database(settings)

    def lookup(username: str) -> SftpAccount | None:
        with db.sessions() as session:
            return find_account(session, username)

    return lookup


class SftpServer:
    """Listens on ``sftp_host:sftp_port`` (``bind`` first; port 0 picks a free one) until stopped."""

    def __init__(
        self,
        settings: Settings,
        lookup: AccountLookup | None = None,
        uploads: UploadTracker | None = None,
    ) -> None:
        self.settings = settings
        self.host_key = load_host_key(settings)
        self._lookup = lookup or database_lookup(settings)
        self._uploads = uploads or NoTracking()
        self._slots = threading.BoundedSemaphore(settings.sftp_max_connections)
        self._listener: socket.socket | None = None
        self._transports: set[paramiko.Transport] = set()
        self._lock = threading.Lock()
        self.idle_seconds = SESSION_IDLE_SECONDS

    def bind(self) -> tuple[str, int]:
        listener = socket.create_server(
            (self.settings.sftp_host, self.settings.sftp_port), backlog=LISTEN_BACKLOG, reuse_port=False
        )
        listener.settimeout(ACCEPT_POLL_SECONDS)
        self._listener = listener
        host, port = listener.getsockname()[:2]
        log.info(
            "SFTP server listening on %s:%s",
            host,
            port,
            extra={"host_key": fingerprint_of(self.host_key)},
        )
        return host, port

    def _context(self, account: SftpAccount) -> PartnerContext:
        return PartnerContext(
            account=account,
            root=ensure_partner_dirs(self.settings, account.partner_code),
            max_file_bytes=self.settings.sftp_max_file_bytes,
            max_files=self.settings.sftp_max_files,
            uploads=self._uploads,
        )

    def serve(self, stop: threading.Event) -> None:
        """Accept connections until ``stop`` is set, then close every session."""
        if self._listener is None:
            self.bind()
        assert self._listener is not None
        try:
            while not stop.is_set():
                try:
                    conn, peer = self._listener.accept()
                except TimeoutError:
                    continue
                if not self._slots.acquire(blocking=False):
                    log.warning("SFTP connection limit reached; refusing %s", peer[0])
                    conn.close()
                    continue
                threading.Thread(target=self._session, args=(conn, peer, stop), daemon=True).start()
        finally:
            self._listener.close()
            self._close_all()

    def _close_all(self) -> None:
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()

    def _start_transport(self, conn: socket.socket) -> tuple[paramiko.Transport, PartnerAuth]:
        conn.settimeout(None)
        transport = new_transport(conn)
        transport.banner_timeout = HANDSHAKE_TIMEOUT_SECONDS
        transport.handshake_timeout = HANDSHAKE_TIMEOUT_SECONDS
        transport.auth_timeout = HANDSHAKE_TIMEOUT_SECONDS
        transport.add_server_key(self.host_key)
        transport.set_subsystem_handler(SFTP_SUBSYSTEM, paramiko.SFTPServer, PartnerFilesystem)
        auth = PartnerAuth(self._lookup, self._context)
        with self._lock:
            self._transports.add(transport)
        transport.start_server(server=auth)
        return transport, auth

    def _session(self, conn: socket.socket, peer: tuple[str, int], stop: threading.Event) -> None:
        transport: paramiko.Transport | None = None
        try:
            transport, auth = self._start_transport(conn)
            channel = transport.accept(LOGIN_GRACE_SECONDS)  # keep a reference: paramiko closes on GC
            if channel is None:
                return
            channel.settimeout(self.idle_seconds)  # a silent session ends its SFTP subsystem
            account = auth.context.account if auth.context else None
            log.info("SFTP login", extra={"peer": peer[0], "partner": account and account.partner_code})
            while transport.is_active() and not stop.is_set():
                transport.join(ACCEPT_POLL_SECONDS)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            log.info("SFTP connection from %s ended: %s", peer[0], exc)
        finally:
            if transport is not None:
                transport.close()
                with self._lock:
                    self._transports.discard(transport)
            with contextlib.suppress(OSError):
                conn.close()
            self._slots.release()


def run_server(settings: Settings, stop: threading.Event, uploads: UploadTracker) -> Callable[[], None]:
    """Bind now (fail fast on a taken port) and return the loop to run in a thread."""
    server = SftpServer(settings, uploads=uploads)
    server.bind()
    return lambda: server.serve(stop)
