"""Business KPIs from real flows (a PO sent through the documents API, the supplier's 855 and 856 received
and reconciled, an operator's replay), on the dashboard and as Prometheus gauges; and the pure helpers."""

from __future__ import annotations

import datetime as dt
import re
from datetime import UTC, timedelta

import pytest
from fastapi.testclient import TestClient

from gateway.config import Settings
from gateway.console import kpis
from gateway.console.charts import bar_chart
from gateway.console.schemas import DayCount
from gateway.db import get_database
from gateway.models import JobStatus, Role
from gateway.models.base import utcnow
from gateway.outbox import enqueue
from tests.gateway.console.conftest import sign_in
from tests.gateway.documents.conftest import (
    add_our_station,
    add_partner,
    receive,
    run_reconcile_jobs,
    token,
    x12_profile,
)
from tests.gateway.documents.test_reconciliation import _ack_855, _from_partner, _notice, _po
from translators.canonical import DateKind, DateRef

SHIPPED_HOURS_AGO = 30


@pytest.fixture
def client(migrated: Settings) -> TestClient:
    from gateway.app import create_app

    return TestClient(create_app(migrated))


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    raise AssertionError(f"{name}{{{wanted}}} not exposed")


def _trade(client: TestClient, settings: Settings) -> None:
    """We send PO-K1; the supplier answers with an 855 that changes it and ships with an 856."""
    add_our_station(settings)
    partner_id = add_partner(settings, x12_profile())
    sent = client.post(
        "/v1/documents",
        json={"partner_id": partner_id, "document": _po("PO-K1")},
        headers=token(settings, Role.OPERATOR),
    )
    assert sent.status_code == 201, sent.text
    receive(settings, partner_id, _from_partner(_ack_855("PO-K1"), 601), "<855-k1@acme>")
    shipped = (utcnow() - timedelta(hours=SHIPPED_HOURS_AGO)).replace(second=0, microsecond=0)
    notice = _notice("SH-K1", "PO-K1", 5).model_copy(
        update={"dates": (DateRef(kind=DateKind.SHIPPED, date=shipped.date(), time=shipped.time()),)}
    )
    receive(settings, partner_id, _from_partner(notice, 602), "<856-k1@acme>")
    run_reconcile_jobs(settings)


def test_kpis_of_a_po_its_855_and_its_856(client: TestClient, migrated: Settings) -> None:
    _trade(client, migrated)
    with get_database(migrated).sessions() as session:
        found = kpis.compute(session, utcnow())
    [cycle] = found.po_ack_cycle
    assert (cycle.partner, cycle.count) == ("acme", 1)
    assert 0 <= cycle.p50 < 60
    [asn] = found.asn_latency
    assert (asn.partner, asn.count) == ("acme", 1)
    assert abs(asn.p50 - SHIPPED_HOURS_AGO * 3600) < 120
    assert ("reconciliation_deviations", "<1h") in {(e.type, e.age) for e in found.exceptions}

    exposed = client.get("/metrics").text
    assert _metric(exposed, "edigw_kpi_po_ack_cycle_count", partner="acme") == 1
    assert _metric(exposed, "edigw_kpi_po_ack_cycle_seconds", partner="acme", quantile="0.5") == cycle.p50
    assert _metric(exposed, "edigw_kpi_asn_latency_seconds", partner="acme", quantile="0.9") == asn.p90
    assert _metric(exposed, "edigw_kpi_exceptions", type="reconciliation_deviations", age="<1h") >= 1
    assert _metric(exposed, "edigw_translations_last_day", status="processed") == 2

    sign_in(client, token(migrated, Role.OPERATOR)["Authorization"].split()[1])
    board = client.get("/console").text
    assert "acme" in board.split('id="kpi-po-ack"')[1].split("</section>")[0]
    assert "acme" in board.split('id="kpi-asn"')[1].split("</section>")[0]
    assert "reconciliation deviations" in board


def test_manual_interventions_are_counted_and_charted(client: TestClient, migrated: Settings) -> None:
    operator = token(migrated, Role.OPERATOR)
    with get_database(migrated).transaction() as session:
        job = enqueue(session, migrated, "system.ping")
        session.flush()
        job.status, job_id = JobStatus.DEAD, job.id
    exposed = client.get("/metrics").text
    assert _metric(exposed, "edigw_dead_letters") == 1
    assert _metric(exposed, "edigw_kpi_exceptions", type="job_dead", age="<1h") == 1
    assert client.post(f"/v1/admin/jobs/{job_id}/replay", headers=operator).status_code == 200
    exposed = client.get("/metrics").text
    assert _metric(exposed, "edigw_kpi_manual_interventions", action="job.replay") == 1
    assert _metric(exposed, "edigw_queue_depth", queue="system") == 1
    sign_in(client, operator["Authorization"].split()[1])
    interventions = client.get("/console").text.split('id="kpi-interventions"')[1].split("</section>")[0]
    assert "job.replay" in interventions and "<svg" in interventions


def test_quantiles_are_nearest_rank() -> None:
    assert kpis.quantile([], 0.5) == 0
    assert kpis.quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert kpis.quantile([1.0, 2.0, 3.0, 4.0], 0.9) == 4.0


def test_ship_moment_prefers_the_shipped_date_and_falls_back_to_the_notice_date() -> None:
    shipped = {
        "dates": [{"kind": "shipped", "date": "2026-03-01", "time": "14:30:00"}],
        "notice_date": "2026-03-02",
    }
    assert kpis.ship_moment(shipped) == dt.datetime(2026, 3, 1, 14, 30, tzinfo=UTC)
    assert kpis.ship_moment({"dates": [], "notice_date": "2026-03-02"}) == dt.datetime(2026, 3, 2, tzinfo=UTC)
    assert kpis.ship_moment({}) is None


@pytest.mark.parametrize(
    ("age", "label"),
    [
        (timedelta(minutes=5), "<1h"),
        (timedelta(hours=3), "1h-1d"),
        (timedelta(days=2), "1d-7d"),
        (timedelta(days=9), ">7d"),
    ],
)
def test_exception_ages(age: timedelta, label: str) -> None:
    assert kpis.age_label(age) == label


def test_chart_escapes_its_labels_and_draws_one_bar_per_day_and_series() -> None:
    today = dt.date(2026, 3, 10)
    rows = [DayCount(today - timedelta(days=n), s, n) for n in range(3) for s in ("inbound", "<b>x</b>")]
    svg = str(bar_chart(rows, "a <chart>"))
    assert svg.count("<rect") == 6
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    assert 'aria-label="a &lt;chart&gt;"' in svg
