"""Running the HTTP API (``edigw api``) in ``EDIGW_HTTP_WORKERS`` processes.

With several processes on Linux, each one listens on its own ``SO_REUSEPORT`` socket, so the kernel
spreads new connections over the processes. On one shared socket, whichever process wakes first
accepts a whole burst of connections: in the AS2 benchmark 7 of 8 keep-alive connections landed in
one of two processes, which then ran out of interpreter time while the other idled. A parent process
holds the port (bound, not listening: it never takes a connection), restarts a process that dies, and
stops them all on SIGTERM or SIGINT. Elsewhere, or with one process, uvicorn serves as usual.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import threading
import time
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


def _serve_one(host: str, port: int, log_config: dict[str, Any]) -> None:
    """One API process on its own listening socket (runs in a spawned child)."""
    import uvicorn

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

    def _start(self) -> tuple[BaseProcess, float]:
        child = self.context.Process(target=_serve_one, args=self.args, name="edigw-api")
        child.start()
        return child, time.monotonic()

    def _on_signal(self, _signum: int, _frame: FrameType | None) -> None:
        self.stop.set()

    def run(self) -> int:
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        quick_deaths = 0
        try:
            self.children = [self._start() for _ in range(self.workers)]
            while not self.stop.wait(CHECK_INTERVAL_SECONDS):
                for index, (child, started) in enumerate(self.children):
                    if child.is_alive():
                        continue
                    quick = time.monotonic() - started < QUICK_DEATH_SECONDS
                    quick_deaths = quick_deaths + 1 if quick else 0
                    if quick_deaths > RESTARTS_BEFORE_GIVING_UP:
                        return 1
                    self.children[index] = self._start()
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
