"""``edigw serve``: one supervisor that runs the API, Celery worker processes and the outbox relay as
child processes on the embedded default, and stops them all cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

from gateway.broker import make_folders
from gateway.config import Settings
from gateway.db import upgrade
from gateway.keys import master_key

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 30.0
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: a child gets SIGTERM if the supervisor dies, so nothing is left running."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class Supervisor:
    settings: Settings
    workers: int
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    stopping: bool = False

    def commands(self) -> dict[str, list[str]]:
        cli = [sys.executable, "-m", "gateway.cli"]
        return {
            "api": [*cli, "api"],
            "worker": [*cli, "worker", "--concurrency", str(self.workers)],
            "relay": [*cli, "relay"],
            "sftp": [*cli, "sftp-server"],
        }

    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["EDIGW_DATA_DIR"] = str(self.settings.data_dir.resolve())
        env["EDIGW_HTTP_HOST"] = self.settings.http_host
        env["EDIGW_HTTP_PORT"] = str(self.settings.http_port)
        return env

    def start(self) -> None:
        env = self.child_env()
        for name, argv in self.commands().items():
            self.children[name] = subprocess.Popen(  # noqa: S603 - own interpreter
                argv,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - the supervisor starts no threads
            )
            log.info("started %s", name, extra={"child": name, "pid": self.children[name].pid})

    def request_stop(self, signum: int, _frame: FrameType | None) -> None:
        if not self.stopping:
            log.info("stopping on %s", signal.Signals(signum).name)
        self.stopping = True

    def stop(self) -> None:
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, proc in self.children.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", name)
                proc.kill()
                proc.wait()

    def run(self) -> int:
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)
        self.start()
        code = 0
        while not self.stopping:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    log.error("%s exited unexpectedly with %s; stopping", name, proc.returncode)
                    self.stopping, code = True, 1
            time.sleep(0.2)
        self.stop()
        log.info("gateway stopped")
        return code


def serve(settings: Settings, workers: int) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_archive_dir.mkdir(parents=True, exist_ok=True)
    make_folders(settings)
    upgrade(settings)
    master_key(settings)  # generated on first start when not configured
    log.info(
        "serving on http://%s:%s",
        settings.http_host,
        settings.http_port,
        extra={
            "database": settings.resolved_database_url.split("@")[-1],
            "broker": settings.resolved_broker_url,
        },
    )
    return Supervisor(settings, workers).run()
