"""Group commit: the short write units of a process's concurrent threads share one transaction.

A thread hands its unit (a function of the session) to :meth:`GroupCommit.run`. If no batch is being
committed, it becomes the leader: it takes every unit waiting, runs them in order in one transaction,
commits (and, on SQLite, flushes the write-ahead log once), and wakes their threads. Otherwise it waits;
units that arrive while a batch commits form the next one. Under load, one write lock, one ``BEGIN`` /
``COMMIT`` and one flush then serve several requests instead of one each, and the threads no longer
queue one by one on the lock; with a single caller it is an ordinary transaction.

Each unit is all-or-nothing and nobody returns before the transaction holding their unit has committed
and is durable, so what a caller acknowledges afterwards (an MDN, a 2xx) is as safe as with a
transaction of its own. When a unit raises, the batch is rolled back and each of its units runs again
in a transaction of its own: one bad unit never fails the others, and the failing one gets its own
exception. A failure of the commit or of the flush fails every unit of the batch (none of them may
treat its writes as durable).

Units must only use the session they are given (no transaction of their own: the leader holds the
write lock) and must be safe to run again after a rollback, which pure database work is.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")
Transaction = Callable[[], AbstractContextManager[Session]]


class _Unit(Generic[T]):
    __slots__ = ("done", "error", "value", "work")

    def __init__(self, work: Callable[[Session], T]) -> None:
        self.work = work
        self.done = False
        self.error: BaseException | None = None
        self.value: T | None = None

    def outcome(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]  # set by the successful run


class _WorkFailedError(Exception):
    """A unit raised inside the shared transaction (not the commit or the flush)."""


class GroupCommit:
    """Runs units of concurrent threads in shared transactions (see the module docstring)."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self._cond = threading.Condition()
        self._waiting: list[_Unit[object]] = []
        self._committing = False

    def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a transaction shared with concurrent callers; returns its result once that
        transaction is committed and durable, or raises what ``work`` (or the commit) raised."""
        unit: _Unit[T] = _Unit(work)
        with self._cond:
            self._waiting.append(unit)  # type: ignore[arg-type]  # results are returned to their own callers
            while self._committing and not unit.done:
                self._cond.wait()
            if unit.done:
                return unit.outcome()
            self._committing = True
            batch, self._waiting = self._waiting, []
        try:
            self._commit(batch)
        finally:
            with self._cond:
                for left in batch:  # interrupted (KeyboardInterrupt): nobody may wait forever
                    if not left.done:
                        left.error, left.done = RuntimeError("group commit interrupted"), True
                self._committing = False
                self._cond.notify_all()
        return unit.outcome()

    def _commit(self, batch: list[_Unit[object]]) -> None:
        try:
            with self._transaction() as session:
                for unit in batch:
                    unit.value = _run(unit, session)
        except _WorkFailedError as failed:
            if len(batch) == 1:
                _finish(batch, failed.__cause__)
            else:
                for unit in batch:
                    self._alone(unit)
            return
        except Exception as error:  # the commit or the flush: nothing of the batch is safe
            _finish(batch, error)
            return
        _finish(batch, None)

    def _alone(self, unit: _Unit[object]) -> None:
        try:
            with self._transaction() as session:
                unit.value = unit.work(session)
        except Exception as error:
            _finish([unit], error)
        else:
            _finish([unit], None)


def _run(unit: _Unit[T], session: Session) -> T:
    try:
        return unit.work(session)
    except Exception as error:
        raise _WorkFailedError from error


def _finish(units: list[_Unit[object]], error: BaseException | None) -> None:
    for unit in units:
        unit.error, unit.done = error, True
        if error is not None:
            unit.value = None
