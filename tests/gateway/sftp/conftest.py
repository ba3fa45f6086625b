"""Fixtures for the SFTP tests: a migrated data dir with SFTP limits, and the embedded server running in
this process on a free port (with the inbox watcher as its upload tracker)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.sftp.server import SftpServer
from gateway.sftp.ssh import public_line
from gateway.sftp.watcher import InboxWatcher
from tests.gateway.sftp.helpers import SftpPeer, known_hosts_line

SETTLE_SECONDS = 5.0


@pytest.fixture
def sftp_settings(migrated: Settings) -> Settings:
    return migrated.model_copy(
        update={"sftp_port": 0, "sftp_settle_seconds": SETTLE_SECONDS, "sftp_max_file_bytes": 64 * 1024}
    )


@dataclass(frozen=True)
class Embedded:
    settings: Settings
    server: SftpServer
    watcher: InboxWatcher
    peer: SftpPeer


def start_embedded(settings: Settings, workdir: Path) -> tuple[Embedded, threading.Event, threading.Thread]:
    watcher = InboxWatcher(settings)
    server = SftpServer(settings, uploads=watcher)
    _host, port = server.bind()
    known_hosts = workdir / "known_hosts"
    known_hosts.write_text(known_hosts_line(port, public_line(server.host_key)))
    stop = threading.Event()
    thread = threading.Thread(target=server.serve, args=(stop,), daemon=True)
    thread.start()
    return Embedded(settings, server, watcher, SftpPeer(port, known_hosts, workdir)), stop, thread


@pytest.fixture
def embedded(sftp_settings: Settings, tmp_path: Path) -> Iterator[Embedded]:
    workdir = tmp_path / "client"
    workdir.mkdir()
    running, stop, thread = start_embedded(sftp_settings, workdir)
    yield running
    stop.set()
    thread.join(timeout=10)
