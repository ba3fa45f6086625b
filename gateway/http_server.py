"""Running the HTTP API (``edigw api``) in ``EDIGW_HTTP_WORKERS`` processes.

With several processes on Linux, each one listens on its own ``SO_REUSEPORT`` socket, so the kernel
spreads new connections over the processes. On one shared socket, whichever process wakes first
accepts a whole burst of connections: in the AS2 benchmark 7 of 8 keep-alive connections landed in
one of two processes, which then ran out of interpreter time while the other idled. A parent process
holds the port (bound, not listening: it never takes a connection), restarts a process that dies, and
stops them all on SIGTERM or SIGINT. Elsewhere, or with one process, uvicorn serves as usual.

The kernel hashes each new connection's addresses to pick its process, so a few long-lived keep-alive
connections (a partner's AS2 client, a proxy's upstream pool) often land unevenly: 6 of 8 on one
process is as likely as 4 and 4, and that process's interpreter then holds one core while the other
idles (AS2 benchmark: about 200 instead of about 290 messages/s). :class:`ConnectionBalance` spreads
them again: each process publishes, in memory shared with the others, how many client connections it
served recently, and one serving more than its fair share answers with ``Connection: close``, so the
client's next connection is hashed again (HTTP/1.1 clients must expect that, RFC 9112 section 9.6).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
from collections.abc import MutableSequence
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

APP = "gateway.app:create_app"
BACKLOG = 2048
GRACEFUL_SECONDS = 10
CHECK_INTERVAL_SECONDS = 0.5
ORPHAN_CHECK_SECONDS = 1.0
RESTARTS_BEFORE_GIVING_UP = 5  # quick deaths in a row: something is wrong beyond one request
QUICK_DEATH_SECONDS = 10.0
CONNECTION_IDLE_SECONDS = 2.0  # a connection not seen for this long no longer counts
PRUNE_INTERVAL_SECONDS = 0.5


class ConnectionBalance:
    """One API process's view of how the client connections are spread (see the module docstring)."""

    def __init__(self, counts: MutableSequence[int], index: int) -> None:
        self.counts, self.index = counts, index
        self.seen: dict[tuple[str, int], float] = {}
        self.pruned = 0.0
        self.lock = threading.Lock()

    def should_close(self, client: tuple[str, int] | None, now: float) -> bool:
        """Note a request on ``client``'s connection; True when this process serves more connections
        than its fair share and this one should close after its response."""
        if client is None:
            return False
        with self.lock:
            self.seen[client] = now
            if now - self.pruned > PRUNE_INTERVAL_SECONDS:
                self.seen = {c: t for c, t in self.seen.items() if now - t <= CONNECTION_IDLE_SECONDS}
                self.pruned = now
            mine = len(self.seen)
            self.counts[self.index] = mine
            fair = -(-sum(self.counts) // len(self.counts))
            if mine <= fair:
                return False
            del self.seen[client]
            self.counts[self.index] = mine - 1
            return True


class _Process:
    balance: ConnectionBalance | None = None  # set in each of several API processes


def connection_balance() -> ConnectionBalance | None:
    """This process's balance, when it is one of several API processes."""
    return _Process.balance


def _uvicorn_options(log_config: dict[str, Any]) -> dict[str, Any]:
    return {
        "factory": True,
        "log_config": log_config,
        "access_log": False,
        "timeout_graceful_shutdown": GRACEFUL_SECONDS,
    }


def _socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def _stop_when_orphaned(parent: int) -> None:
    """A process whose parent died (even by SIGKILL) stops gracefully instead of holding the port."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def _serve_one(
    host: str, port: int, log_config: dict[str, Any], counts: MutableSequence[int], index: int
) -> None:
    """One API process on its own listening socket (runs in a spawned child)."""
    import uvicorn

    _Process.balance = ConnectionBalance(counts, index)

    threading.Thread(target=_stop_when_orphaned, args=(os.getppid(),), daemon=True).start()
    sock = _socket(host, port)
    sock.listen(BACKLOG)
    config = uvicorn.Config(APP, **_uvicorn_options(log_config))
    uvicorn.Server(config).run(sockets=[sock])


def run_api(host: str, port: int, workers: int, log_config: dict[str, Any]) -> int:
    """Serve until stopped; returns the exit code."""
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        import uvicorn

        uvicorn.run(APP, host=host, port=port, workers=workers, **_uvicorn_options(log_config))
        return 0
    reserved = _socket(host, port)  # fails here, once, when the port is taken
    try:
        return _Group(host, reserved.getsockname()[1], workers, log_config).run()
    finally:
        reserved.close()


class _Group:
    """The API processes, kept at ``workers`` until a stop signal."""

    def __init__(self, host: str, port: int, workers: int, log_config: dict[str, Any]) -> None:
        self.args = (host, port, log_config)
        self.context = multiprocessing.get_context("spawn")
        self.children: list[tuple[BaseProcess, float]] = []  # each process and when it started
        self.stop = threading.Event()
        self.workers = workers
        self.counts = self.context.RawArray("i", workers)  # connections each process serves

    def _start(self, index: int) -> tuple[BaseProcess, float]:
        self.counts[index] = 0
        args = (*self.args, self.counts, index)
        child = self.context.Process(target=_serve_one, args=args, name="edigw-api")
        child.start()
        return child, time.monotonic()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stop.set()

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        quick_deaths = 0
        try:
            self.children = [self._start(index) for index in range(self.workers)]
            while not self.stop.wait(CHECK_INTERVAL_SECONDS):
                for index, (child, started) in enumerate(self.children):
                    if child.is_alive():
                        continue
                    quick = time.monotonic() - started < QUICK_DEATH_SECONDS
                    quick_deaths = quick_deaths + 1 if quick else 0
                    if quick_deaths > RESTARTS_BEFORE_GIVING_UP:
                        return 1
                    self.children[index] = self._start(index)
            return 0
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop_all(self) -> None:
        children = [child for child, _ in self.children]
        for child in children:
            if child.is_alive():
                child.terminate()
        deadline = time.monotonic() + GRACEFUL_SECONDS + 5
        for child in children:
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.kill()
                child.join()
