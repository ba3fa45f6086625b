"""Ordering towards the ERP and reconciliation events, with the outbox jobs run in-process on a real
database and the file connector: an 856 never reaches the ERP before its PO (it waits without using
attempts and is woken by the PO's delivery), the wait is bounded (then delivered flagged), and deviations
reach the ERP as a ``reconciliation`` event after the answer they are about, once."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.config import Settings
from gateway.db import get_database
from gateway.documents import reconciliation
from gateway.erp.tasks import sync, sync_event
from gateway.models import JobStatus, OutboxJob
from gateway.models.base import utcnow
from gateway.outbox import IoHandler, run_job
from tests.gateway.edi_samples import NOW, purchase_order
from translators.canonical import ItemId, ItemIdKind, Quantity, ShipItem, ShipNotice, ShipOrder

from .conftest import add_our_station, add_partner, receive, run_reconcile_jobs, x12_formats, x12_profile
from .test_reconciliation import _ack_855, _from_partner, _send_po

HANDLERS: dict[str, IoHandler] = {"erp.sync_document": sync, "erp.sync_event": sync_event}


@pytest.fixture
def settings_for_tasks(migrated: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    import gateway.documents.tasks
    import gateway.erp.tasks

    for module in (gateway.erp.tasks, gateway.documents.tasks):
        monkeypatch.setattr(module, "get_settings", lambda: migrated)
    return migrated


def _jobs(settings: Settings, task: str) -> list[OutboxJob]:
    with get_database(settings).sessions() as session:
        return list(session.scalars(select(OutboxJob).where(OutboxJob.task == task).order_by(OutboxJob.id)))


def _run_due(settings: Settings, task: str) -> list[int]:
    """Run every due pending job of ``task`` once, as the relay and a worker would; returns those done."""
    done = []
    for job in _jobs(settings, task):
        due = job.status == JobStatus.PENDING and job.available_at <= utcnow()
        if due and run_job(settings, job.id, HANDLERS[task]):
            done.append(job.id)
    return done


def _dropped(settings: Settings) -> list[dict[str, Any]]:
    """What the ERP received, in the order it was written."""
    files = sorted(settings.resolved_erp_file_dir.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    return [json.loads(p.read_text()) for p in files]


def _notice(po_number: str) -> ShipNotice:
    item = ShipItem(
        line_number="1",
        items=(ItemId(kind=ItemIdKind.BUYER_PART, value="A-1"),),
        shipped_quantity=Quantity(value=Decimal(5), unit="EA"),
    )
    return ShipNotice(
        shipment_id=f"SH-{po_number}",
        notice_date=NOW.date(),
        orders=(ShipOrder(po_number=po_number, items=(item,)),),
    )


def _supplier_profile() -> dict[str, Any]:
    """A partner that sends us POs and ship notices (e.g. a drop-ship customer)."""
    return x12_profile(formats=x12_formats("850") + x12_formats("850", direction="inbound"))


def test_an_856_waits_for_its_po_to_reach_the_erp_first(settings_for_tasks: Settings) -> None:
    settings = settings_for_tasks
    add_our_station(settings)
    partner_id = add_partner(settings, _supplier_profile())
    receive(settings, partner_id, _from_partner(_notice("PO-9"), 601), "<856@acme>")

    assert _run_due(settings, "erp.sync_document") == []
    [waiting] = _jobs(settings, "erp.sync_document")
    assert (waiting.status, waiting.attempts) == (JobStatus.PENDING, 0)
    assert waiting.args["waiting_for"] == f"po:{partner_id}:PO-9"
    assert waiting.available_at > utcnow()
    assert _dropped(settings) == []

    receive(settings, partner_id, _from_partner(purchase_order("PO-9"), 602), "<850@acme>")
    assert len(_run_due(settings, "erp.sync_document")) == 1, "only the PO goes; its delivery wakes the 856"
    assert len(_run_due(settings, "erp.sync_document")) == 1

    assert [(d["kind"], d["number"]) for d in _dropped(settings)] == [
        ("purchase_order", "PO-9"),
        ("ship_notice", "SH-PO-9"),
    ]
    notice_job = next(j for j in _jobs(settings, "erp.sync_document") if j.id == waiting.id)
    assert (notice_job.status, notice_job.attempts) == (JobStatus.DONE, 1)
    assert "flags" not in _dropped(settings)[1]


def test_after_the_bounded_wait_the_856_is_delivered_flagged(
    settings_for_tasks: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for_tasks
    add_our_station(settings)
    partner_id = add_partner(settings, _supplier_profile())
    receive(settings, partner_id, _from_partner(_notice("PO-404"), 611), "<856-orphan@acme>")
    assert _run_due(settings, "erp.sync_document") == []

    later = settings.model_copy(update={"erp_order_wait_seconds": 0.0})
    monkeypatch.setattr("gateway.erp.tasks.get_settings", lambda: later)
    with get_database(settings).transaction() as session:
        for job in session.scalars(select(OutboxJob).where(OutboxJob.task == "erp.sync_document")):
            job.available_at = utcnow() - timedelta(seconds=1)
    assert len(_run_due(later, "erp.sync_document")) == 1

    [delivered] = _dropped(settings)
    assert delivered["kind"] == "ship_notice"
    assert delivered["flags"] == [{"code": "po_not_delivered", "po_number": "PO-404"}]


def test_deviations_reach_the_erp_as_one_event_after_the_answer(
    client: TestClient, erp: dict[str, str], settings_for_tasks: Settings
) -> None:
    settings = settings_for_tasks
    add_our_station(settings)
    partner_id = add_partner(settings, x12_profile())
    po = _send_po(client, erp, partner_id, "PO-E1")
    receive(settings, partner_id, _from_partner(_ack_855("PO-E1"), 621), "<855@acme>")
    run_reconcile_jobs(settings)

    [event_job] = _jobs(settings, "erp.sync_event")
    assert _run_due(settings, "erp.sync_event") == [], "the event waits for the 855 itself"
    assert _run_due(settings, "erp.sync_document") == [_jobs(settings, "erp.sync_document")[0].id]
    assert _run_due(settings, "erp.sync_event") == [event_job.id]

    answer, event = _dropped(settings)
    assert answer["kind"] == "acknowledgement"
    assert event["kind"] == "reconciliation"
    assert event["idempotency_key"].startswith(f"edigw-reconciliation-{event['event']['reconciliation_id']}-")
    body = event["event"]
    assert (body["status"], body["po_number"], body["po_document_id"]) == (
        "deviations",
        "PO-E1",
        po["document_id"],
    )
    assert body["document_id"] == answer["document_id"]
    assert {(d["type"], d["line"]) for d in body["deviations"]} == {
        ("quantity", "1"),
        ("date", "1"),
        ("line_rejected", "2"),
    }
    assert body["url"] == f"/v1/documents/{answer['document_id']}/reconciliation"

    with get_database(settings).transaction() as session:  # reconciled again: same outcome, no new event
        reconciliation.reconcile(session, settings, answer["document_id"])
    assert len(_jobs(settings, "erp.sync_event")) == 1


def test_an_answer_whose_po_never_comes_is_emitted_as_unmatched(settings_for_tasks: Settings) -> None:
    settings = settings_for_tasks
    add_our_station(settings)
    partner_id = add_partner(settings, x12_profile())
    receive(settings, partner_id, _from_partner(_ack_855("PO-NONE"), 631), "<855-none@acme>")
    run_reconcile_jobs(settings)
    assert _jobs(settings, "erp.sync_event") == []

    with get_database(settings).transaction() as session:
        reconciliation.sweep(session, settings, utcnow() + reconciliation.WAIT + timedelta(minutes=1))

    [event_job] = _jobs(settings, "erp.sync_event")
    assert event_job.args["event"]["status"] == "unmatched"
    assert event_job.args["event"]["deviations"] == []
