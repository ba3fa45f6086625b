"""Reconciliation on a real database: 855s and 856s received from the partner are linked to the PO we
sent, their deviations recorded and shown; an answer that comes before its PO waits for it; functional
acks are linked to the exchange they acknowledge and missing ones are reported overdue."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from gateway.auth.service import create_token
from gateway.config import Settings
from gateway.db import get_database
from gateway.documents import reconciliation
from gateway.models import Exchange, Role
from gateway.models.base import utcnow
from gateway.models.exchange import ExchangeStatus
from gateway.models.reconciliation import ReconciliationStatus
from tests.gateway.edi_samples import NOW
from translators.api import render_outbound
from translators.canonical import (
    AckLine,
    Acknowledgement,
    AckStatus,
    DateKind,
    DateRef,
    FunctionalAck,
    GroupAck,
    ItemId,
    ItemIdKind,
    LineAck,
    LineStatus,
    Quantity,
    ShipItem,
    ShipNotice,
    ShipOrder,
)
from translators.canonical.common import CanonicalModel
from translators.options import OutboundOptions

from .conftest import (
    OUR_ISA,
    PARTNER_ISA,
    add_our_station,
    add_partner,
    receive,
    run_reconcile_jobs,
    x12_profile,
)

DELIVERY = "2026-12-01"


def _po(number: str) -> dict[str, Any]:
    def line(n: int, item: str, quantity: int, price: str) -> dict[str, Any]:
        return {
            "line_number": str(n),
            "quantity": {"value": str(quantity), "unit": "EA"},
            "unit_price": {"amount": {"amount": price}},
            "items": [{"kind": "buyer_part", "value": item}],
        }

    return {
        "kind": "purchase_order",
        "po_number": number,
        "order_date": "2026-11-20",
        "dates": [{"kind": "requested_delivery", "date": DELIVERY}],
        "lines": [line(1, "A-1", 10, "2.50"), line(2, "B-2", 5, "4.00")],
    }


def _from_partner(document: CanonicalModel, control: int) -> bytes:
    options = OutboundOptions(
        syntax="x12",
        sender_id=PARTNER_ISA,
        receiver_id=OUR_ISA,
        interchange_control_number=control,
        group_control_number=control,
        now=NOW,
        version="004010",
    )
    return render_outbound(document, options)  # type: ignore[arg-type]


def _item(value: str) -> tuple[ItemId, ...]:
    return (ItemId(kind=ItemIdKind.BUYER_PART, value=value),)


def _ack_855(po_number: str) -> Acknowledgement:
    changed = LineAck(
        status=LineStatus.QUANTITY_CHANGED,
        quantity=Quantity(value=Decimal(8), unit="EA"),
        date=DateRef(kind=DateKind.PROMISED_DELIVERY, date=dt.date(2026, 12, 5)),
    )
    rejected = LineAck(status=LineStatus.REJECTED, quantity=Quantity(value=Decimal(5), unit="EA"))
    return Acknowledgement(
        status=AckStatus.ACCEPTED_WITH_CHANGES,
        po_number=po_number,
        po_date=NOW.date(),
        ack_date=NOW.date(),
        lines=(
            AckLine(line_number="1", items=_item("A-1"), statuses=(changed,)),
            AckLine(line_number="2", items=_item("B-2"), statuses=(rejected,)),
        ),
    )


def _setup(client: TestClient, headers: dict[str, str], settings: Settings) -> int:
    add_our_station(settings)
    return add_partner(settings, x12_profile())


def _send_po(client: TestClient, headers: dict[str, str], partner_id: int, number: str) -> dict[str, Any]:
    response = client.post(
        "/v1/documents", json={"partner_id": partner_id, "document": _po(number)}, headers=headers
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _document_id(client: TestClient, headers: dict[str, str], kind: str, number: str) -> int:
    [found] = client.get("/v1/documents", params={"kind": kind, "number": number}, headers=headers).json()
    assert found["direction"] == "inbound"
    return int(found["id"])


def _reconciliation(client: TestClient, headers: dict[str, str], document_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/v1/documents/{document_id}/reconciliation", headers=headers)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()
    return rows


def test_an_855_with_a_changed_quantity_and_a_rejected_line_is_linked_with_its_deviations(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = _setup(client, erp, migrated)
    po = _send_po(client, erp, partner_id, "PO-R1")
    receive(migrated, partner_id, _from_partner(_ack_855("PO-R1"), 501), "<855@acme>")
    assert run_reconcile_jobs(migrated)
    ack_id = _document_id(client, erp, "acknowledgement", "PO-R1")
    [row] = _reconciliation(client, erp, ack_id)
    assert (row["po_document_id"], row["status"]) == (po["document_id"], "deviations")
    found = {(d["type"], d["line"]): d for d in row["deviations"]}
    assert set(found) == {("quantity", "1"), ("date", "1"), ("line_rejected", "2")}
    assert (found["quantity", "1"]["expected"], found["quantity", "1"]["actual"]) == ("10", "8")
    assert (found["date", "1"]["expected"], found["date", "1"]["actual"]) == (DELIVERY, "2026-12-05")
    assert row["lines"] == [{"line": "1", "po_line": "1"}, {"line": "2", "po_line": "2"}]
    assert _reconciliation(client, erp, po["document_id"]) == [row]
    feed = client.get("/v1/documents/reconciliations", params={"status": "deviations"}, headers=erp).json()
    assert feed == [row]
    after = {"status": "deviations", "after_id": row["id"]}
    assert client.get("/v1/documents/reconciliations", params=after, headers=erp).json() == []


def test_an_856_shipping_more_than_ordered_and_an_unknown_item_is_recorded(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = _setup(client, erp, migrated)
    po = _send_po(client, erp, partner_id, "PO-S1")
    items = (
        ShipItem(
            line_number="1", items=_item("A-1"), shipped_quantity=Quantity(value=Decimal(12), unit="EA")
        ),
        ShipItem(line_number="2", items=_item("B-2"), shipped_quantity=Quantity(value=Decimal(5), unit="EA")),
        ShipItem(line_number="9", items=_item("Z-9"), shipped_quantity=Quantity(value=Decimal(1), unit="EA")),
    )
    notice = ShipNotice(
        shipment_id="SH-1", notice_date=NOW.date(), orders=(ShipOrder(po_number="PO-S1", items=items),)
    )
    receive(migrated, partner_id, _from_partner(notice, 502), "<856@acme>")
    run_reconcile_jobs(migrated)
    [row] = _reconciliation(client, erp, _document_id(client, erp, "ship_notice", "SH-1"))
    assert row["po_document_id"] == po["document_id"]
    found = {(d["type"], d["line"]): d for d in row["deviations"]}
    assert set(found) == {("over_shipment", "1"), ("unknown_item", "9")}
    assert (found["over_shipment", "1"]["expected"], found["over_shipment", "1"]["actual"]) == ("10", "12")
    assert [(x["line"], x["po_line"]) for x in row["lines"]] == [("1", "1"), ("2", "2"), ("9", None)]


def test_an_855_before_its_po_waits_and_is_reconciled_when_the_po_is_sent(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = _setup(client, erp, migrated)
    receive(migrated, partner_id, _from_partner(_ack_855("PO-W1"), 503), "<855-early@acme>")
    run_reconcile_jobs(migrated)
    ack_id = _document_id(client, erp, "acknowledgement", "PO-W1")
    [waiting] = _reconciliation(client, erp, ack_id)
    assert (waiting["status"], waiting["po_document_id"]) == ("waiting", None)
    po = _send_po(client, erp, partner_id, "PO-W1")
    assert run_reconcile_jobs(migrated)
    [row] = _reconciliation(client, erp, ack_id)
    assert (row["status"], row["po_document_id"]) == ("deviations", po["document_id"])
    assert len(row["deviations"]) == 3


def test_an_answer_whose_po_never_comes_stops_waiting_after_the_bound(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = _setup(client, erp, migrated)
    receive(migrated, partner_id, _from_partner(_ack_855("PO-NEVER"), 504), "<855-orphan@acme>")
    run_reconcile_jobs(migrated)
    with get_database(migrated).transaction() as session:
        assert reconciliation.sweep(session, migrated) == []
        later = utcnow() + reconciliation.WAIT + timedelta(minutes=1)
        assert len(reconciliation.sweep(session, migrated, later)) == 1
    ack_id = _document_id(client, erp, "acknowledgement", "PO-NEVER")
    [row] = _reconciliation(client, erp, ack_id)
    assert row["status"] == ReconciliationStatus.UNMATCHED.value


def _mark_sent(settings: Settings, exchange_id: int, ago: timedelta) -> None:
    with get_database(settings).transaction() as session:
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
        exchange.status = ExchangeStatus.SENT
        exchange.meta = exchange.meta | {"sent_at": (utcnow() - ago).isoformat(timespec="seconds")}


def test_a_997_is_linked_to_the_exchange_it_acknowledges_and_missing_acks_are_overdue(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = _setup(client, erp, migrated)
    acked, silent = _send_po(client, erp, partner_id, "PO-F1"), _send_po(client, erp, partner_id, "PO-F2")
    for sent in (acked, silent):
        _mark_sent(migrated, sent["exchange_id"], timedelta(days=2))
    overdue = client.get("/v1/documents/acks/overdue", headers=erp).json()
    assert [o["exchange_id"] for o in overdue] == [acked["exchange_id"], silent["exchange_id"]]

    group = GroupAck(functional_id="PO", control_number="1", version="004010", status="accepted")
    receive(migrated, partner_id, _from_partner(FunctionalAck(groups=(group,)), 505), "<997@acme>")
    run_reconcile_jobs(migrated)
    shown = client.get(f"/v1/documents/{acked['document_id']}", headers=erp).json()
    assert shown["exchange"]["ack_status"] == "received"
    assert shown["exchange"]["functional_ack"]["status"] == "accepted"
    overdue = client.get("/v1/documents/acks/overdue", params={"partner_id": partner_id}, headers=erp).json()
    assert [o["exchange_id"] for o in overdue] == [silent["exchange_id"]]
    assert overdue[0]["group_control_number"] == 2


def _notice(shipment: str, po_number: str, quantity: int) -> ShipNotice:
    item = ShipItem(
        line_number="2", items=_item("B-2"), shipped_quantity=Quantity(value=Decimal(quantity), unit="EA")
    )
    return ShipNotice(
        shipment_id=shipment, notice_date=NOW.date(), orders=(ShipOrder(po_number=po_number, items=(item,)),)
    )


def test_partial_shipments_count_together_towards_over_shipment(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = _setup(client, erp, migrated)
    _send_po(client, erp, partner_id, "PO-P1")
    for control, (shipment, quantity) in enumerate((("SH-A", 3), ("SH-B", 2), ("SH-C", 1)), start=510):
        receive(
            migrated,
            partner_id,
            _from_partner(_notice(shipment, "PO-P1", quantity), control),
            f"<{shipment}>",
        )
        run_reconcile_jobs(migrated)
    statuses = [
        _reconciliation(client, erp, _document_id(client, erp, "ship_notice", s))[0]
        for s in ("SH-A", "SH-B", "SH-C")
    ]
    assert [s["status"] for s in statuses] == ["matched", "matched", "deviations"]
    [over] = statuses[2]["deviations"]
    assert (over["type"], over["line"], over["expected"], over["actual"]) == ("over_shipment", "2", "5", "6")
    assert over["detail"] == "shipped in total over 3 notices"


def test_an_855_posted_as_canonical_json_by_a_rest_partner_is_reconciled_too(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    rest = {"allow_insecure_http": True, "allow_private_network": True}
    partner_id = add_partner(migrated, x12_profile(transports={"rest": rest, "outbound": "rest"}))
    po = _send_po(client, erp, partner_id, "PO-J1")
    with get_database(migrated).transaction() as session:
        _, secret = create_token(session, "acme-api", Role.PARTNER, partner_id=partner_id)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    response = client.post(
        "/v1/partner/messages", content=_ack_855("PO-J1").model_dump_json(), headers=headers
    )
    assert response.status_code == 202, response.text
    assert run_reconcile_jobs(migrated)
    [row] = _reconciliation(client, erp, po["document_id"])
    assert row["status"] == "deviations" and len(row["deviations"]) == 3
