"""Per-partner control numbers for what we send (interchange, group, message), issued inside the
caller's transaction: a rolled-back transaction gives its numbers back, so they are never reused and
have no gaps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models.exchange import ControlCounter

X12_MAX_CONTROL_NUMBER = 999_999_999


def _counter(session: Session, partner_id: int, syntax: str, level: str) -> ControlCounter:
    stmt = (
        select(ControlCounter)
        .where(
            ControlCounter.partner_id == partner_id,
            ControlCounter.syntax == syntax,
            ControlCounter.level == level,
        )
        .with_for_update()
    )
    counter = session.scalar(stmt)
    if counter is None:
        try:
            with session.begin_nested():
                session.add(ControlCounter(partner_id=partner_id, syntax=syntax, level=level, last_value=0))
        except IntegrityError:
            pass
        counter = session.scalar(stmt)
    assert counter is not None
    return counter


def peek(session: Session, partner_id: int, syntax: str, level: str) -> int:
    """The number the next ``take`` will return (the row stays locked until the transaction ends)."""
    value = _counter(session, partner_id, syntax, level).last_value + 1
    return 1 if value > X12_MAX_CONTROL_NUMBER else value


def take(session: Session, partner_id: int, syntax: str, level: str) -> int:
    """Issue the next number (wrapping to 1 after 999999999, the largest X12 control number)."""
    counter = _counter(session, partner_id, syntax, level)
    counter.last_value = 1 if counter.last_value >= X12_MAX_CONTROL_NUMBER else counter.last_value + 1
    return counter.last_value
