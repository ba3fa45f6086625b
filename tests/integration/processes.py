"""Run gateway commands as real child processes for integration tests, wait for conditions, and feed
and read the inbound-to-ERP flow that the fault tests check."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kombu import Connection
from pydantic import SecretStr
from sqlalchemy import create_engine, select, text

from gateway.config import AREAS, Settings
from gateway.db import get_database
from gateway.inbound.service import Received, accept
from gateway.models import JobStatus, OutboxJob
from tests.gateway.edi_samples import x12_850


def gateway_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process exactly ``settings`` (every field set explicitly)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDIGW_")}
    env.update(EDIGW_LOG_FORMAT="json", EDIGW_RELAY_INTERVAL_SECONDS="0.05")
    for name in settings.model_fields_set:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            text = value.get_secret_value()
        elif isinstance(value, dict | list):
            text = json.dumps(value)  # complex settings are JSON in the environment
        else:
            text = str(value)
        env[f"EDIGW_{name.upper()}"] = text
    env["EDIGW_DATA_DIR"] = str(settings.data_dir)
    env["EDIGW_HTTP_PORT"] = str(settings.http_port)
    env["EDIGW_OUTBOX_STALE_AFTER_SECONDS"] = str(settings.outbox_stale_after_seconds)
    return env


@dataclass
class Child:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_group(self, sig: signal.Signals = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=30)

    def children_pids(self) -> list[int]:
        path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []


def start(name: str, args: list[str], settings: Settings, log_dir: Path) -> Child:
    log = log_dir / f"{name}-{uuid.uuid4().hex[:6]}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", *args],
            env=gateway_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Child(name, proc, log)


def start_relay_and_worker(settings: Settings, log_dir: Path, children: list[Child]) -> tuple[Child, Child]:
    """The outbox relay and one worker (concurrency 2), added to the test's ``children``."""
    relay = start("relay", ["relay"], settings, log_dir)
    worker = start("worker", ["worker", "--concurrency", "2"], settings, log_dir)
    children.extend([relay, worker])
    return relay, worker


def stop_all(children: list[Child]) -> None:
    for child in children:
        if child.proc.poll() is None:
            child.kill_group(signal.SIGKILL)


def wait_until(check: Callable[[], bool], timeout: float, what: str, logs: Sequence[Child] = ()) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tails = "\n".join(f"--- {c.name}\n{c.output()[-3000:]}" for c in logs)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tails}")


@contextlib.contextmanager
def isolated_queues(broker_url: str) -> Iterator[str]:
    """A queue prefix of its own for one test; its queues and exchanges are deleted afterwards."""
    prefix = f"t{uuid.uuid4().hex[:8]}-"
    try:
        yield prefix
    finally:
        if not broker_url.startswith("filesystem"):
            with Connection(broker_url, connect_timeout=5) as conn:
                channel = conn.default_channel
                for area in AREAS:
                    with contextlib.suppress(Exception):
                        channel.queue_delete(prefix + area)
                    with contextlib.suppress(Exception):
                        channel.exchange_delete(prefix + area)


def accept_purchase_orders(settings: Settings, partner_id: int, count: int, first: int = 0) -> list[str]:
    """Accept ``count`` X12 850s from the partner (numbered from ``first``), one transaction each as the
    AS2 receiver does; returns their PO numbers in order."""
    numbers = []
    for n in range(first, first + count):
        numbers.append(f"PO-{n:03d}")
        with get_database(settings).transaction() as session:
            data = x12_850(numbers[-1], control=n + 1)
            accept(session, settings, Received(partner_id, "as2", data, "po.edi", f"<m{n}@acme>"))
    return numbers


def staged_pos(staging_url: str) -> list[str]:
    """The PO numbers in the ERP's staging header table, in arrival order (duplicates kept)."""
    engine = create_engine(staging_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(text("SELECT po_number FROM edigw_erp_header ORDER BY id")))
    finally:
        engine.dispose()


def erp_jobs(settings: Settings) -> list[JobStatus]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(OutboxJob.status).where(OutboxJob.task == "erp.sync_document")))
