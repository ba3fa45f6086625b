"""``edigw api`` with several processes: each listens on its own SO_REUSEPORT socket, so connections
spread over the processes; a stop signal stops them all; a taken port fails at once."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.db import upgrade
from gateway.http_server import CONNECTION_IDLE_SECONDS, ConnectionBalance
from tests.conftest import free_port
from tests.integration.processes import gateway_env

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT layout is Linux's")

CONNECTIONS = 32


def _start(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    settings = Settings(data_dir=tmp_path, http_port=port, http_workers=2)
    upgrade(settings)
    env = gateway_env(settings)
    return subprocess.Popen([sys.executable, "-m", "gateway.cli", "api"], env=env)


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the API exited while starting"
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the API did not answer /health")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            child = int(entry.name)
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and "resource_tracker" not in _cmdline(child):
                found.append(child)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _established(port: int) -> set[int]:
    """Socket inodes of established connections to ``port`` (server side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01":
                inodes.add(int(fields[9]))
    return inodes


def _sockets_of(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def test_connections_spread_over_the_processes_and_sigterm_stops_them(tmp_path: Path) -> None:
    port = free_port()
    proc = _start(tmp_path, port)
    try:
        _wait_healthy(port, proc)
        connections, closed = [], 0
        for _ in range(CONNECTIONS):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/health")
            response = conn.getresponse()
            response.read()
            assert response.status == 200
            closed += response.getheader("connection", "").lower() == "close"
            connections.append(conn)
        children = _children(proc.pid)
        assert len(children) == 2
        established = _established(port)
        per_child = [len(_sockets_of(child) & established) for child in children]
        # a process above its share closed the connection after answering (the client connects
        # again), so the connections kept open are spread evenly
        assert sum(per_child) == CONNECTIONS - closed
        assert min(per_child) > 0, f"one process took every connection: {per_child}"
        assert max(per_child) - min(per_child) <= 2, per_child
        for conn in connections:
            conn.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert not any(Path(f"/proc/{child}").exists() for child in children)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_processes_stop_when_their_parent_is_killed(tmp_path: Path) -> None:
    port = free_port()
    proc = _start(tmp_path, port)
    children: list[int] = []
    try:
        _wait_healthy(port, proc)
        children = _children(proc.pid)
        assert len(children) == 2
        proc.kill()  # no chance to stop them
        proc.wait()
        deadline = time.monotonic() + 20
        while any(_alive(child) for child in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(_alive(child) for child in children)
    finally:
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_process_that_dies_is_replaced(tmp_path: Path) -> None:
    port = free_port()
    proc = _start(tmp_path, port)
    try:
        _wait_healthy(port, proc)
        first = _children(proc.pid)
        assert len(first) == 2
        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            now = [child for child in _children(proc.pid) if _alive(child)]
            if len(now) == 2 and first[0] not in now:
                break
            time.sleep(0.2)
        assert len(now) == 2 and first[0] not in now and first[1] in now
        _wait_healthy(port, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_a_taken_port_fails_at_once(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        proc = _start(tmp_path, taken.getsockname()[1])
        try:
            assert proc.wait(30) != 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_a_process_above_its_share_of_connections_closes_one() -> None:
    counts = [0, 0]
    first, second = ConnectionBalance(counts, 0), ConnectionBalance(counts, 1)
    now = 100.0
    assert not second.should_close(("127.0.0.1", 9), now)
    assert not first.should_close(("127.0.0.1", 1), now)
    assert not first.should_close(("127.0.0.1", 2), now)  # 2 of 3: within ceil(3 / 2)
    assert first.should_close(("127.0.0.1", 3), now)  # 3 of 4: above ceil(4 / 2), this one goes
    assert counts == [2, 1]
    assert not first.should_close(("127.0.0.1", 1), now)  # the ones kept stay
    assert not second.should_close(("127.0.0.1", 10), now)  # the client came back here
    assert counts == [2, 2]
    assert not first.should_close(None, now)  # no client address (a Unix socket): never closed


def test_connections_gone_quiet_stop_counting() -> None:
    counts = [0, 0]
    balance = ConnectionBalance(counts, 0)
    for port in range(5):
        balance.should_close(("127.0.0.1", port), 100.0)
    later = 100.0 + CONNECTION_IDLE_SECONDS + 1
    assert not balance.should_close(("127.0.0.1", 99), later)
    assert counts[0] == 1
