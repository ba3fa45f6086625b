"""Group commit: concurrent units share one transaction, each stays all-or-nothing, one failing unit
never fails the others, and a failed commit fails every unit that was in it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from gateway.db import Database
from gateway.group_commit import GroupCommit

WAIT_SECONDS = 10


@pytest.fixture
def db(item_db: Database) -> Database:
    return item_db


class _Counting:
    """``db.transaction`` that counts transactions and can fail after the commit (a failed flush)."""

    def __init__(self, db: Database, fail_after_commit: bool = False) -> None:
        self.db, self.fail_after_commit, self.count = db, fail_after_commit, 0

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        self.count += 1
        with self.db.transaction() as session:
            yield session
        if self.fail_after_commit:
            raise OSError(5, "injected flush failure")


def _insert(key: str, fail: bool = False, gate: threading.Event | None = None) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        session.execute(text("INSERT INTO item (key) VALUES (:key)"), {"key": key})
        if gate is not None:
            gate.wait(WAIT_SECONDS)
        if fail:
            raise ValueError(f"unit {key} failed")
        return key

    return work


def _keys(db: Database) -> set[str]:
    with db.sessions() as session:
        return set(session.scalars(text("SELECT key FROM item")))


def _concurrently(group: GroupCommit, units: list, first_gate: threading.Event) -> dict[str, object]:  # type: ignore[type-arg]
    """Run the first unit (which waits on ``first_gate`` inside its transaction), queue the others
    behind it, then let it finish: the others form one batch."""
    outcome: dict[str, object] = {}

    def call(name: str, work: object) -> None:
        try:
            outcome[name] = group.run(work)  # type: ignore[arg-type]
        except Exception as error:
            outcome[name] = error

    threads = [threading.Thread(target=call, args=(f"u{i}", w)) for i, w in enumerate(units)]
    threads[0].start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not group._committing and time.monotonic() < deadline:
        time.sleep(0.001)
    for thread in threads[1:]:
        thread.start()
    while len(group._waiting) < len(units) - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    first_gate.set()
    for thread in threads:
        thread.join(WAIT_SECONDS)
    return outcome


def test_a_single_caller_gets_an_ordinary_transaction(db: Database) -> None:
    counting = _Counting(db)
    group = GroupCommit(counting)
    assert group.run(_insert("a")) == "a"
    with pytest.raises(ValueError, match="unit b failed"):
        group.run(_insert("b", fail=True))
    assert _keys(db) == {"a"}
    assert counting.count == 2


def test_units_queued_behind_a_commit_share_the_next_transaction(db: Database) -> None:
    counting = _Counting(db)
    group = GroupCommit(counting)
    gate = threading.Event()
    units = [_insert("first", gate=gate)] + [_insert(f"k{i}") for i in range(5)]
    outcome = _concurrently(group, units, gate)
    assert outcome == {"u0": "first", **{f"u{i + 1}": f"k{i}" for i in range(5)}}
    assert _keys(db) == {"first", "k0", "k1", "k2", "k3", "k4"}
    assert counting.count == 2  # the first alone, the five others together


def test_a_failing_unit_does_not_fail_the_others_of_its_batch(db: Database) -> None:
    counting = _Counting(db)
    group = GroupCommit(counting)
    gate = threading.Event()
    units = [_insert("first", gate=gate), _insert("k0"), _insert("bad", fail=True), _insert("k1")]
    outcome = _concurrently(group, units, gate)
    assert outcome["u0"] == "first" and outcome["u1"] == "k0" and outcome["u3"] == "k1"
    assert isinstance(outcome["u2"], ValueError)
    assert _keys(db) == {"first", "k0", "k1"}  # the failing unit's insert was rolled back
    assert counting.count == 1 + 1 + 3  # first; the batch, rolled back; then each unit alone


def test_a_failed_commit_fails_every_unit_of_the_batch(db: Database) -> None:
    group = GroupCommit(_Counting(db, fail_after_commit=True))
    gate = threading.Event()
    outcome = _concurrently(group, [_insert("first", gate=gate), _insert("k0"), _insert("k1")], gate)
    assert all(isinstance(value, OSError) for value in outcome.values())


def test_database_batched_commits_durably_per_process(db: Database) -> None:
    assert db.batched(_insert("a")) == "a"
    assert db.batched(lambda session: session.scalar(text("SELECT count(*) FROM item"))) == 1
    assert _keys(db) == {"a"}
