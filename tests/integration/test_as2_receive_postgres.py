"""POST /as2's receive path on PostgreSQL under concurrency: every copy of a message sent twice at the
same moment gets the same stored MDN and makes one exchange, the archive chain stays whole, and a
certificate disabled through another connection is refused by the next request."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from gateway.archive.chain import verify
from gateway.as2 import OutboundMessage
from gateway.as2.receive import receive
from gateway.config import Settings
from gateway.db import get_database
from gateway.models import Exchange, OutboxJob
from tests.gateway.as2.keys import Identity, make_identity
from tests.integration.as2_pair import messages, onboard

pytestmark = pytest.mark.integration

MESSAGES = 12


@pytest.fixture
def identities(tmp_path: Path) -> tuple[Identity, Identity]:
    return make_identity("gateway", tmp_path / "keys"), make_identity("partner", tmp_path / "keys")


@pytest.fixture
def settings(tmp_path: Path, pg_url: str, identities: tuple[Identity, Identity]) -> Settings:
    settings = Settings(data_dir=tmp_path / "var", database_url=pg_url)
    onboard(settings, *identities)
    return settings


def _messages(identities: tuple[Identity, Identity], count: int) -> list[OutboundMessage]:
    return messages(*identities, count, "pg")


def _post(settings: Settings, message: OutboundMessage) -> bytes:
    _, reply = receive(get_database(settings), settings, list(message.headers), message.body)
    assert reply.status == 200
    return reply.body


def test_concurrent_copies_get_one_exchange_and_the_same_mdn(
    settings: Settings, identities: tuple[Identity, Identity]
) -> None:
    messages = _messages(identities, MESSAGES)
    twice = list(itertools.chain.from_iterable((m, m) for m in messages))
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda m: _post(settings, m), twice))
    for first, second in zip(answers[::2], answers[1::2], strict=True):
        assert first == second
        assert b"; processed" in first and b"processed/error" not in first
    db = get_database(settings)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Exchange)) == MESSAGES
        assert session.scalar(select(func.sum(Exchange.duplicate_count))) == MESSAGES
        assert session.scalar(select(func.count()).select_from(OutboxJob)) == MESSAGES
        report = verify(session, settings.resolved_archive_dir)
    assert report.ok
    assert report.records == 4 * MESSAGES  # payload, wire bytes, signed entity, MDN per message


def test_a_certificate_disabled_elsewhere_is_refused_next(
    settings: Settings, identities: tuple[Identity, Identity]
) -> None:
    first, second = _messages(identities, 2)
    assert b"processed/error" not in _post(settings, first)
    with get_database(settings).transaction() as session:
        session.execute(text("UPDATE certificate SET enabled = false WHERE partner_id IS NOT NULL"))
    assert b"processed/error: authentication-failed" in _post(settings, second)
