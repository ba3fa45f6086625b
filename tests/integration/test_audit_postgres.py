"""Exchange search filters on PostgreSQL (JSONB meta): disposition and document number."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.audit.service import search_exchanges
from gateway.config import Settings
from gateway.db import get_database, upgrade
from gateway.inbound.service import Received, accept
from gateway.models import Exchange
from gateway.onboarding.service import create_partner
from tests.gateway.edi_samples import x12_partner

pytestmark = pytest.mark.integration


def test_search_by_mdn_disposition_on_postgres(tmp_path: Path, pg_url: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=pg_url)
    upgrade(settings)
    db = get_database(settings)
    with db.transaction() as session:
        partner_id = create_partner(session, x12_partner()).id
        for n, disposition in enumerate(["processed", "processed/error: decryption-failed"]):
            exchange_id = accept(
                session, settings, Received(partner_id, "as2", b"x%d" % n, None, f"m{n}")
            ).exchange_id
            exchange = session.get(Exchange, exchange_id)
            assert exchange is not None
            exchange.meta = exchange.meta | {
                "mdn": {"disposition": f"automatic-action/MDN-sent-automatically; {disposition}"}
            }
    with db.sessions() as session:
        failed = search_exchanges(session, disposition="decryption-failed")
        assert [e.message_id for e in failed] == ["m1"]
        assert len(search_exchanges(session, partner_id=partner_id)) == 2
