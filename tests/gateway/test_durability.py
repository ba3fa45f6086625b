"""Group flushing: concurrent callers share flushes, nobody returns before a flush that covers their
writes, and a failed flush fails every caller it was meant to cover."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.durability import FLUSHER, GroupFlush, sync_each, sync_filesystems
from gateway.onboarding.service import create_partner

THREADS = 8


class _SlowSync:
    """fsync each descriptor after a pause, recording what each flush covered and when it started."""

    def __init__(self, pause: float, fail_first: bool = False) -> None:
        self.pause, self.fail_first = pause, fail_first
        self.batches: list[tuple[float, list[int]]] = []

    def __call__(self, fds: Sequence[int]) -> None:
        self.batches.append((time.monotonic(), list(fds)))
        time.sleep(self.pause)
        if self.fail_first and len(self.batches) == 1:
            raise OSError(5, "injected I/O error")
        sync_each(fds)


def _write_and_flush(group: GroupFlush, path: Path, outcome: dict[int, object], index: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"x" * 100)
        called = time.monotonic()
        try:
            group.flush([fd])
            outcome[index] = (called, fd)
        except OSError as exc:
            outcome[index] = exc
    finally:
        os.close(fd)


def _run(group: GroupFlush, tmp_path: Path) -> dict[int, object]:
    outcome: dict[int, object] = {}
    threads = [
        threading.Thread(target=_write_and_flush, args=(group, tmp_path / f"f{i}", outcome, i))
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcome


def test_concurrent_callers_share_flushes_that_start_after_their_writes(tmp_path: Path) -> None:
    recorder = _SlowSync(pause=0.05)
    group = GroupFlush(recorder)
    outcome = _run(group, tmp_path)
    assert len(outcome) == THREADS
    assert group.callers == THREADS
    assert group.flushes == len(recorder.batches) < THREADS  # shared
    for called, fd in outcome.values():  # type: ignore[misc]
        covering = [start for start, fds in recorder.batches if fd in fds]
        assert covering and covering[0] >= called


def test_a_failed_flush_fails_every_caller_it_covered(tmp_path: Path) -> None:
    recorder = _SlowSync(pause=0.05, fail_first=True)
    group = GroupFlush(recorder)
    outcome = _run(group, tmp_path)
    first_batch = recorder.batches[0][1]
    failed = [value for value in outcome.values() if isinstance(value, OSError)]
    assert len(failed) == len(first_batch) >= 1
    assert all(value.errno == 5 for value in failed)
    assert THREADS - len(failed) == sum(1 for v in outcome.values() if isinstance(v, tuple))


def test_no_descriptors_need_no_flush() -> None:
    recorder = _SlowSync(pause=0)
    group = GroupFlush(recorder)
    group.flush([])
    assert recorder.batches == [] and group.flushes == 0


def test_filesystem_flush_syncs_real_files(tmp_path: Path) -> None:
    fds = [os.open(tmp_path / name, os.O_WRONLY | os.O_CREAT, 0o600) for name in ("a", "b")]
    try:
        for fd in fds:
            os.write(fd, b"data")
        sync_filesystems(fds)
    finally:
        for fd in fds:
            os.close(fd)
    with pytest.raises(OSError, match="Bad file descriptor"):
        sync_filesystems([fds[0]])  # closed descriptor: the error surfaces, never a silent success


def test_sqlite_commits_are_flushed_before_the_transaction_returns(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    upgrade(settings)
    db = get_database(settings)
    with db.sessions() as session:
        assert session.connection().exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    before = FLUSHER.callers
    with db.transaction() as session:
        create_partner(session, {"code": "p1", "name": "P1", "identities": {"as2_id": "P1"}})
    assert FLUSHER.callers == before + 1
    with db.transaction() as session:
        session.connection().exec_driver_sql("SELECT 1")
    assert FLUSHER.callers == before + 1  # nothing written, nothing to flush


def test_a_forked_child_does_not_wait_for_a_flush_of_its_parent(tmp_path: Path) -> None:
    started, release = threading.Event(), threading.Event()

    def stuck(fds: Sequence[int]) -> None:
        started.set()
        release.wait(30)

    group = GroupFlush(stuck)
    os.register_at_fork(after_in_child=group.reset)
    fd = os.open(tmp_path / "f", os.O_WRONLY | os.O_CREAT, 0o600)
    leader = threading.Thread(target=group.flush, args=([fd],))
    leader.start()
    assert started.wait(10)
    pid = os.fork()
    if pid == 0:  # the child: its copy of the group believes a flush is running
        group._flush = sync_each  # the child flushes for real
        try:
            group.flush([fd])
            os._exit(0)
        except BaseException:
            os._exit(1)
    try:
        deadline = time.monotonic() + 10
        done, status = 0, 0
        while not done and time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            time.sleep(0.05)
        if not done:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        assert done, "the child waited for a flush that only its parent was running"
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        release.set()
        leader.join(10)
        os.close(fd)
