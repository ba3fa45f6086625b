"""The console's queries on PostgreSQL: the same scene as the SQLite tests, on a fresh database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.db import upgrade
from gateway.models import Role
from gateway.models.base import utcnow
from tests.gateway.console.conftest import PO_NUMBER, Scene, sign_in

pytestmark = pytest.mark.integration


@pytest.fixture
def migrated(tmp_path: Path, pg_url: str) -> Settings:
    settings = Settings(data_dir=tmp_path / "var", database_url=pg_url, log_format="text")
    upgrade(settings)
    return settings


def test_console_pages_and_metrics_on_postgresql(scene: Scene) -> None:
    client, today = scene.client, utcnow().date().isoformat()
    sign_in(client, scene.tokens[Role.ADMIN])
    board = client.get("/console")
    assert board.status_code == 200
    assert f"inbound {today}: 1" in board.text and f"outbound {today}: 1" in board.text
    for query in ({"po": PO_NUMBER}, {"control_number": "1"}, {"since": today, "status": "processed"}):
        found = client.get("/console/messages", params=query).text
        assert f'href="/console/messages/{scene.exchange_id}"' in found, query
    timeline = client.get(f"/console/messages/{scene.exchange_id}").text
    assert len(re.findall(r'class="step step-done"', timeline)) == 5
    assert "BEG*00*SA*PO-1001" in client.get(f"/console/documents/{scene.document_id}").text
    assert f"/console/messages/{scene.exchange_id}/evidence" in client.get("/console/receipts").text
    metrics = client.get("/metrics").text
    disposition = "automatic-action/MDN-sent-automatically; processed"
    assert f'edigw_as2_messages_last_day{{direction="inbound",disposition="{disposition}"}} 1.0' in metrics
    assert 'edigw_erp_deliveries_last_day{outcome="delivered"} 1.0' in metrics
