"""POST /v1/documents: an ERP's canonical document rendered in the partner's format with the partner's
control numbers, archived, and sent over its transport; located validation errors, duplicates,
idempotency, EDIFACT partners, and the reads."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.archive.blobs import get_blob
from gateway.config import Settings
from gateway.db import get_database
from gateway.documents.service import send_document
from gateway.models import ArchiveRecord, Exchange, OutboxJob, Role
from gateway.models.exchange import ExchangeStatus
from tests.gateway.as2.keys import Identity
from tests.gateway.edi_samples import purchase_order
from tests.gateway.outbound.as2_peer import As2Peer
from tests.gateway.outbound.conftest import Outbound, add_partner_cert
from translators.canonical import document_from_dict

from .conftest import (
    PARTNER_UNB,
    add_our_station,
    add_partner,
    token,
    x12_profile,
)


def _po(number: str = "PO-7001", **changes: Any) -> dict[str, Any]:
    return purchase_order(number).model_dump(mode="json") | changes


def _post(
    client: TestClient, headers: dict[str, str], partner_id: int, document: dict[str, Any], **kw: Any
) -> Any:
    return client.post(
        "/v1/documents", json={"partner_id": partner_id, "document": document}, headers=headers, **kw
    )


def _blob(settings: Settings, exchange_id: int) -> bytes:
    with get_database(settings).sessions() as session:
        exchange = session.get(Exchange, exchange_id)
        assert exchange is not None
        return get_blob(session, settings.resolved_archive_dir, exchange.content_sha256)


def _as2_partner(settings: Settings, peer: As2Peer, partner: Identity) -> int:
    as2 = {"url": peer.url, "allow_insecure_http": True, "allow_private_network": True}
    profile = x12_profile(transports={"as2": as2, "outbound": "as2"})
    partner_id = add_partner(settings, profile)
    add_partner_cert(settings, partner_id, partner.cert)
    return partner_id


def test_erp_po_is_rendered_with_the_partners_counters_and_sent_over_as2_with_its_mdn_archived(
    client: TestClient,
    erp: dict[str, str],
    outbound: Outbound,
    us: Identity,
    partner: Identity,
    peer: As2Peer,
) -> None:
    settings = outbound.settings
    add_our_station(settings, us)
    partner_id = _as2_partner(settings, peer, partner)
    response = _post(client, erp, partner_id, _po())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["control_numbers"] == {"interchange": 1, "group": 1, "message": 1}
    assert (body["kind"], body["number"], body["message_type"], body["created"]) == (
        "purchase_order", "PO-7001", "850", True
    )  # fmt: skip
    exchange_id = body["exchange_id"]
    data = _blob(settings, exchange_id)
    assert data.startswith(b"ISA*00*          *00*          *ZZ*OURCO          *ZZ*ACMESUPPLY     *")
    assert (
        b"*000000001*0*P*>~" in data and b"BEG*00*SA*PO-7001" in data and b"GS*PO*OURCO*ACMESUPPLY*" in data
    )

    assert outbound.run(exchange_id)
    exchange = outbound.exchange(exchange_id)
    assert exchange.status == ExchangeStatus.SENT, exchange.error
    assert exchange.meta["mdn_status"] == "received"
    assert exchange.message_id == f"document:{body['document_id']}"
    [received] = peer.received
    assert received.payloads[0].data == data
    with get_database(settings).sessions() as session:
        kinds = [
            r.kind
            for r in session.scalars(select(ArchiveRecord).where(ArchiveRecord.subject_id == exchange_id))
        ]
    assert {"document-outbound", "as2-outbound", "as2-mdn-in"} <= set(kinds)

    shown = client.get(f"/v1/documents/{body['document_id']}", headers=erp).json()
    assert shown["exchange"]["status"] == "sent" and shown["exchange"]["mdn_status"] == "received"
    assert shown["exchange"]["ack_status"] == "awaiting"
    assert document_from_dict(shown["canonical"]) == document_from_dict(_po())

    second = _post(client, erp, partner_id, _po("PO-7002")).json()
    assert second["control_numbers"] == {"interchange": 2, "group": 2, "message": 2}
    assert _blob(settings, second["exchange_id"]).count(b"000000002") == 2  # ISA13 and IEA02


def test_numbers_taken_in_a_rolled_back_transaction_are_issued_again_never_twice(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    partner_id = add_partner(migrated, x12_profile())
    assert _post(client, erp, partner_id, _po("PO-1")).json()["control_numbers"]["interchange"] == 1
    with pytest.raises(RuntimeError), get_database(migrated).transaction() as session:
        sent = send_document(session, migrated, partner_id, document_from_dict(_po("PO-2")))
        assert sent.document.interchange_ref == "2"
        raise RuntimeError("the request failed after rendering")
    again = _post(client, erp, partner_id, _po("PO-2")).json()
    third = _post(client, erp, partner_id, _po("PO-3")).json()
    assert [again["control_numbers"]["interchange"], third["control_numbers"]["interchange"]] == [2, 3]
    with get_database(migrated).sessions() as session:
        sends = session.scalars(
            select(OutboxJob.subject_id).where(OutboxJob.task == "outbound.send_exchange")
        )
        assert len(list(sends)) == 3


def test_invalid_documents_are_refused_with_their_location(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    partner_id = add_partner(migrated, x12_profile())
    document = _po()
    del document["lines"][1]["quantity"]
    document["order_date"] = "not a date"
    response = _post(client, erp, partner_id, document)
    assert response.status_code == 422
    locations = {e["loc"] for e in response.json()["errors"]}
    assert "document.purchase_order.lines[1].quantity" in locations
    assert "document.purchase_order.order_date" in locations
    unknown = _post(client, erp, partner_id, {"kind": "invoice", "po_number": "1"})
    assert unknown.status_code == 422


def test_a_document_type_without_an_outbound_format_is_refused_naming_it(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    partner_id = add_partner(migrated, x12_profile())
    ack = {"kind": "acknowledgement", "po_number": "PO-1", "status": "accepted"}
    response = _post(client, erp, partner_id, ack)
    assert response.status_code == 422
    assert "no outbound format for acknowledgement (855 / ORDRSP)" in response.json()["detail"]
    assert _post(client, erp, 999, _po()).status_code == 404


def test_the_same_business_key_returns_the_first_document_and_a_different_one_conflicts(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    partner_id = add_partner(migrated, x12_profile())
    first = _post(client, erp, partner_id, _po())
    repeat = _post(client, erp, partner_id, _po())
    assert (first.status_code, repeat.status_code) == (201, 200)
    assert repeat.json() | {"created": True} == first.json()
    changed = _po(currency="EUR")
    conflict = _post(client, erp, partner_id, changed)
    assert conflict.status_code == 409 and "already sent" in conflict.json()["detail"]

    keyed_headers = erp | {"Idempotency-Key": "erp-42"}
    keyed = _post(client, keyed_headers, partner_id, _po("PO-K"))
    again = _post(client, keyed_headers, partner_id, _po("PO-K"))
    other = _post(client, keyed_headers, partner_id, _po("PO-L"))
    assert (keyed.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["document_id"] == keyed.json()["document_id"]
    assert keyed.json()["control_numbers"]["interchange"] == 2


def test_an_edifact_partner_gets_orders_with_its_delimiters_and_test_flag(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    orders = {"direction": "outbound", "document_type": "ORDERS", "syntax": "edifact", "version": "D96A"}
    profile = {
        "code": "euro",
        "name": "Euro GmbH",
        "identities": {"edifact": [{"unb_id": PARTNER_UNB, "unb_qualifier": "14"}]},
        "formats": [orders | {"test_mode": True, "edifact_delimiters": {"element": "|", "segment": "!"}}],
    }
    partner_id = add_partner(migrated, profile)
    body = _post(client, erp, partner_id, _po("PO-EU")).json()
    assert body["message_type"] == "ORDERS", body
    data = _blob(migrated, body["exchange_id"])
    assert data.startswith(b"UNA:|.? !UNB|UNOC:3|OURCO:ZZZ|5412345000013:14|")
    assert b"UNH|1|ORDERS:D:96A:UN" in data and b"BGM|" in data and b"PO-EU" in data
    unb = data.split(b"!")[1].split(b"|")
    assert (unb[5], unb[9], unb[11]) == (b"1", b"1", b"1")  # 0020 reference, 0031 CONTRL asked, 0035 test


def test_an_edifact_partner_gets_its_character_set_and_what_it_cannot_carry_is_refused(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)

    def partner(code: str, charset: str) -> int:
        orders = {"direction": "outbound", "document_type": "ORDERS", "syntax": "edifact", "version": "D96A"}
        return add_partner(
            migrated,
            {
                "code": code,
                "name": code,
                "identities": {"edifact": [{"unb_id": f"{PARTNER_UNB}{code}", "unb_qualifier": "14"}]},
                "formats": [orders | {"character_set": charset}],
            },
        )

    utf8, level_a = partner("utf", "UNOY"), partner("upper", "UNOA")
    data = _blob(migrated, _post(client, erp, utf8, _po("po-ü")).json()["exchange_id"])
    assert b"UNB+UNOY:4+OURCO:ZZZ+" in data and "BGM+220+po-ü".encode() in data
    data = _blob(migrated, _post(client, erp, level_a, _po("po-7")).json()["exchange_id"])
    assert b"UNB+UNOA:3+OURCO:ZZZ+" in data and b"BGM+220+PO-7" in data
    refused = _post(client, erp, level_a, _po("po-ü"))
    assert refused.status_code == 422
    assert "'Ü' is outside the UNOA character repertoire" in refused.json()["detail"]


def test_documents_are_listed_by_partner_kind_number_and_direction(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    partner_id = add_partner(migrated, x12_profile())
    ids = [_post(client, erp, partner_id, _po(n)).json()["document_id"] for n in ("PO-A", "PO-B")]
    auditor = token(migrated, Role.AUDITOR)
    listed = client.get(
        "/v1/documents", params={"partner_id": partner_id, "kind": "purchase_order"}, headers=auditor
    )
    assert [d["id"] for d in listed.json()] == ids[::-1]
    one = client.get(
        "/v1/documents", params={"number": "PO-A", "direction": "outbound"}, headers=auditor
    ).json()
    assert [d["id"] for d in one] == ids[:1]
    assert client.get("/v1/documents", params={"direction": "inbound"}, headers=auditor).json() == []
    assert client.get("/v1/documents/999", headers=auditor).status_code == 404
    assert _post(client, auditor, partner_id, _po("PO-C")).status_code == 403


def test_a_document_the_partners_delimiters_cannot_carry_is_refused_and_uses_no_number(
    client: TestClient, erp: dict[str, str], migrated: Settings
) -> None:
    add_our_station(migrated)
    partner_id = add_partner(migrated, x12_profile())
    refused = _post(client, erp, partner_id, _po("PO~1"))
    assert refused.status_code == 422
    assert "contains a delimiter" in refused.json()["detail"] and refused.json()["location"] == "document"
    assert _post(client, erp, partner_id, _po("PO-1")).json()["control_numbers"]["interchange"] == 1
