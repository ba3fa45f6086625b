"""Two onboardings racing for the same identity on PostgreSQL: exactly one wins, the other gets the
located conflict, never two partners sharing an AS2 ID."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.models import Partner
from gateway.onboarding.service import create_partner
from partners.errors import DuplicateIdentityError
from tests.partners.factories import profile_data

pytestmark = pytest.mark.integration


def test_racing_onboardings_of_one_identity(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    upgrade(settings)
    db = get_database(settings)
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def onboard(n: int) -> None:
        data = profile_data(code=f"acme-{n}")
        barrier.wait()
        try:
            with db.transaction() as session:
                create_partner(session, data)
            outcomes.append("created")
        except DuplicateIdentityError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=onboard, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "created"]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Partner)) == 1
