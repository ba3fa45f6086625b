"""``edigw sftp-server`` as a real process: the OpenSSH client uploads, the watcher loop in that process
hands the file to accept() and moves it to ``archive/``; SIGTERM stops it cleanly. With a relay and a
worker beside it, a document queued for the partner goes through ``sftp.push_file`` into ``outbox/``
and the OpenSSH client downloads it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models.exchange import Exchange
from gateway.sftp.service import enqueue_delivery
from gateway.sftp.ssh import host_key_path, load_host_key, public_line
from tests.gateway.sftp.helpers import (
    SFTP_CLIENT,
    SftpPeer,
    add_partner,
    free_port,
    known_hosts_line,
    new_key,
    require_tool,
    sftp_profile,
)
from tests.integration.processes import Child, gateway_env, start, wait_until

pytestmark = pytest.mark.integration


def _exchange_files(settings: Settings) -> list[str | None]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(Exchange.filename)))


def test_sftp_server_process_takes_an_upload_into_accept(tmp_path: Path, children: list[Child]) -> None:
    require_tool(SFTP_CLIENT)
    settings = Settings(data_dir=tmp_path / "var", sftp_port=free_port(), sftp_scan_interval_seconds=0.1)
    upgrade(settings)
    key = new_key(tmp_path, "acme_key")
    add_partner(settings, sftp_profile("acme", inbound_keys=[key.public_line]))
    server = start("sftp", ["sftp-server"], settings, tmp_path)
    children.append(server)
    wait_until(
        lambda: host_key_path(settings).exists() and "listening" in server.output(), 30, "sftp", children
    )

    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(known_hosts_line(settings.sftp_port, public_line(load_host_key(settings))))
    (tmp_path / "po.edi").write_bytes(b"ISA*00*process~")
    peer = SftpPeer(settings.sftp_port, known_hosts, tmp_path)
    upload = peer.run("acme", key.private, "put po.edi inbox/po.edi\n")
    assert upload.returncode == 0, upload.stderr

    archived = settings.resolved_sftp_root / "acme" / "archive" / "po.edi"
    wait_until(archived.exists, 30, "file archived", children)
    assert _exchange_files(settings) == ["po.edi"]
    assert archived.read_bytes() == b"ISA*00*process~"

    check = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "sftp-server", "--check"],
        env=gateway_env(settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr

    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=30) == 0


def test_a_queued_document_reaches_the_partner_through_a_worker(
    tmp_path: Path, children: list[Child]
) -> None:
    require_tool(SFTP_CLIENT)
    settings = Settings(data_dir=tmp_path / "var", sftp_port=free_port())
    upgrade(settings)
    key = new_key(tmp_path, "acme_key")
    partner_id = add_partner(settings, sftp_profile("acme", inbound_keys=[key.public_line]))
    children.append(start("sftp", ["sftp-server"], settings, tmp_path))
    worker = start("worker", ["worker", "--concurrency", "1", "--queues", "sftp"], settings, tmp_path)
    children.append(worker)
    wait_until(lambda: "ready." in worker.output(), 60, "worker ready (queues bound)", children)
    children.append(start("relay", ["relay"], settings, tmp_path))
    with get_database(settings).transaction() as session:
        enqueue_delivery(session, settings, partner_id, "855-0042.edi", b"ISA*855~")
    delivered = settings.resolved_sftp_root / "acme" / "outbox" / "855-0042.edi"
    wait_until(delivered.exists, 60, "sftp.push_file ran in the worker", children)
    wait_until(lambda: "listening" in children[0].output(), 30, "sftp listening", children)

    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(known_hosts_line(settings.sftp_port, public_line(load_host_key(settings))))
    peer = SftpPeer(settings.sftp_port, known_hosts, tmp_path)
    download = peer.run("acme", key.private, "get outbox/855-0042.edi got.edi\n")
    assert download.returncode == 0, download.stderr
    assert (tmp_path / "got.edi").read_bytes() == b"ISA*855~"
