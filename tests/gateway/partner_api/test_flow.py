"""A partner submits an 850 over REST, it is processed, the 997 is announced on the partner's webhook
(signed) and fetched byte-exact over REST; resubmissions are idempotent; bodies are size-capped."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gateway.db import get_database
from gateway.models import OutboxJob
from gateway.models.base import utcnow
from gateway.models.exchange import Document, ExchangeStatus
from tests.gateway.archived import archived
from tests.gateway.edi_samples import purchase_order, x12_850

from .conftest import World

X12 = {"Content-Type": "application/edi-x12"}


def _submit(
    world: World, body: bytes, key: str | None = None, media: str = "application/edi-x12"
) -> dict[str, Any]:
    headers = world.acme.headers | {"Content-Type": media} | ({"Idempotency-Key": key} if key else {})
    response = world.client.post("/v1/partner/messages", content=body, headers=headers)
    assert response.status_code in (200, 202), response.text
    return dict(response.json())


def test_submit_process_acknowledge_notify_and_fetch(world: World) -> None:
    _full_flow(world)


def test_submit_process_acknowledge_notify_and_fetch_on_postgres(pg_world: World) -> None:
    ack_url = _full_flow(pg_world)
    assert pg_world.client.get(ack_url, headers=pg_world.beta.headers).status_code == 404


def _full_flow(world: World) -> str:
    submitted = world.client.post(
        "/v1/partner/messages",
        content=x12_850(),
        headers=world.acme.headers | X12 | {"Idempotency-Key": "a-1"},
    )
    assert submitted.status_code == 202, submitted.text
    receipt = submitted.json()
    assert receipt["message_id"] == "a-1" and receipt["duplicate"] is False
    assert submitted.headers["location"] == receipt["status_url"]
    assert world.client.get(receipt["status_url"], headers=world.acme.headers).json()["status"] == "received"

    ran = world.drain()
    assert ran[0] == "inbound.process_exchange"
    assert ran.index("outbound.send_exchange") < ran.index("outbound.notify_partner")

    status = world.client.get(receipt["status_url"], headers=world.acme.headers).json()
    assert status["status"] == "processed" and status["errors"] == []
    assert [(d["kind"], d["number"]) for d in status["documents"]] == [("purchase_order", "PO-1001")]
    listed = world.client.get(
        "/v1/partner/messages", params={"status": "processed"}, headers=world.acme.headers
    )
    assert [(m["id"], m["transport"]) for m in listed.json()] == [(receipt["exchange_id"], "rest")]
    [ack] = status["acks"]
    assert ack["kind"] == "997" and ack["status"] == "ready"

    [(headers, body)] = world.hook.requests
    expected = "sha256=" + hmac.new(world.acme.secret, body, hashlib.sha256).hexdigest()
    assert headers["x-edigw-signature"] == expected
    assert headers["idempotency-key"] == f"edigw-available-{ack['exchange_id']}"
    notice = json.loads(body)
    assert notice["exchange_id"] == ack["exchange_id"]
    assert notice["url"] == ack["url"] and notice["filename"].startswith("997-")

    waiting = world.client.get(
        "/v1/partner/documents", params={"status": "ready"}, headers=world.acme.headers
    )
    assert [d["id"] for d in waiting.json()] == [ack["exchange_id"]]
    for since, count in ((utcnow() - timedelta(hours=1), 1), (utcnow() + timedelta(hours=1), 0)):
        page = world.client.get(
            "/v1/partner/documents", params={"since": since.isoformat()}, headers=world.acme.headers
        )
        assert len(page.json()) == count, page.text
    naive = world.client.get(
        "/v1/partner/documents", params={"since": "2026-01-01T00:00:00"}, headers=world.acme.headers
    )
    assert naive.status_code == 422

    fetched = world.client.get(ack["url"], headers=world.acme.headers)
    assert fetched.status_code == 200
    stored = world.exchange(ack["exchange_id"])
    assert fetched.content == archived(world.settings, stored.content_sha256)
    assert fetched.content.startswith(b"ISA") and b"ST*997*" in fetched.content
    assert stored.status is ExchangeStatus.SENT and stored.meta["fetched_at"]

    again = world.client.get(ack["url"], headers=world.acme.headers)
    assert again.content == fetched.content
    assert world.exchange(ack["exchange_id"]).meta["fetched_at"] == stored.meta["fetched_at"]
    assert (
        world.client.get(
            "/v1/partner/documents", params={"status": "ready"}, headers=world.acme.headers
        ).json()
        == []
    )

    canonical = world.client.get(f"{ack['url']}/canonical", headers=world.acme.headers).json()
    [functional_ack] = canonical["documents"]
    assert functional_ack["kind"] == "functional_ack"
    return str(ack["url"])


def test_resubmission_is_idempotent_and_a_reused_key_with_other_content_conflicts(world: World) -> None:
    first = _submit(world, x12_850(), key="order-7")
    repeat = world.client.post(
        "/v1/partner/messages",
        content=x12_850(),
        headers=world.acme.headers | X12 | {"Idempotency-Key": "order-7"},
    )
    assert repeat.status_code == 200
    assert repeat.json()["exchange_id"] == first["exchange_id"] and repeat.json()["duplicate"] is True
    other = world.client.post(
        "/v1/partner/messages",
        content=x12_850("PO-2", control=2),
        headers=world.acme.headers | X12 | {"Idempotency-Key": "order-7"},
    )
    assert other.status_code == 409 and other.json()["error"] == "conflict"

    unkeyed = _submit(world, x12_850("PO-3", control=3))
    assert unkeyed["message_id"] == hashlib.sha256(x12_850("PO-3", control=3)).hexdigest()
    assert _submit(world, x12_850("PO-3", control=3))["exchange_id"] == unkeyed["exchange_id"]
    assert world.exchange(first["exchange_id"]).duplicate_count == 1
    with get_database(world.settings).sessions() as session:
        jobs = session.scalars(
            select(OutboxJob.subject_id).where(OutboxJob.task == "inbound.process_exchange")
        )
        assert set(jobs) == {first["exchange_id"], unkeyed["exchange_id"]}


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 1024):
        yield b"x" * 1024


def test_oversized_bodies_are_refused_with_and_without_a_length(world: World) -> None:
    limit = world.settings.max_request_bytes
    declared = world.client.post(
        "/v1/partner/messages", content=b"I" * (limit + 1), headers=world.acme.headers | X12
    )
    assert declared.status_code == 413
    streamed = world.client.post(
        "/v1/partner/messages", content=_chunks(limit * 2), headers=world.acme.headers | X12
    )
    assert streamed.status_code == 413
    assert streamed.json()["error"] == "payload_too_large"
    with get_database(world.settings).sessions() as session:
        assert session.scalar(select(OutboxJob.id)) is None


def test_bad_bodies_are_refused_before_anything_is_stored(world: World) -> None:
    cases = [
        (b"hello", "application/edi-x12", 422),
        (x12_850(), "application/edifact", 422),
        (x12_850(), "text/plain", 415),
        (b"", "application/edi-x12", 422),
        (b'{"kind": "purchase_order"}', "application/json", 422),
        (b"not json", "application/json", 422),
    ]
    for body, media, status in cases:
        response = world.client.post(
            "/v1/partner/messages", content=body, headers=world.acme.headers | {"Content-Type": media}
        )
        assert response.status_code == status, (media, body, response.text)
    with get_database(world.settings).sessions() as session:
        assert session.scalar(select(OutboxJob.id)) is None


def test_canonical_json_is_stored_as_a_processed_message_with_its_document(world: World) -> None:
    body = purchase_order("PO-JSON").model_dump_json().encode()
    receipt = _submit(world, body, key="json-1", media="application/json")
    assert receipt["status"] == "processed"
    status = world.client.get(receipt["status_url"], headers=world.acme.headers).json()
    assert status["syntax"] == "canonical" and status["content_type"] == "application/json"
    assert [(d["kind"], d["number"]) for d in status["documents"]] == [("purchase_order", "PO-JSON")]
    stored = world.exchange(receipt["exchange_id"])
    assert archived(world.settings, stored.content_sha256) == body

    same_document = _submit(world, body + b"\n", key="json-2", media="application/json")
    assert same_document["exchange_id"] != receipt["exchange_id"]
    assert world.exchange(same_document["exchange_id"]).meta["duplicate_documents"] == 1
    with get_database(world.settings).sessions() as session:
        assert len(list(session.scalars(select(Document.id)))) == 1
        jobs = list(session.scalars(select(OutboxJob.task)))
    assert jobs == ["erp.sync_document"]


def test_invalid_canonical_json_names_the_field(world: World) -> None:
    document = json.loads(purchase_order().model_dump_json())
    document["lines"][0]["quantity"]["value"] = "many"
    response = world.client.post(
        "/v1/partner/messages",
        content=json.dumps(document),
        headers=world.acme.headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "lines.0.quantity.value" in response.json()["detail"]
