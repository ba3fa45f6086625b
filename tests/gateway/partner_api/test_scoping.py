"""Object-level scoping: two partners' tokens against every partner route with each other's ids (404,
never 403 or data), admin and other staff tokens refused, a disabled partner refused."""

from __future__ import annotations

from gateway.auth.service import create_token
from gateway.db import get_database
from gateway.models import Role
from gateway.onboarding.service import set_enabled
from tests.gateway.edi_samples import x12_850

from .conftest import Party, World

X12 = {"Content-Type": "application/edi-x12"}


def _submit(world: World, party: Party, body: bytes, key: str) -> int:
    headers = party.headers | X12 | {"Idempotency-Key": key}
    response = world.client.post("/v1/partner/messages", content=body, headers=headers)
    assert response.status_code == 202, response.text
    return int(response.json()["exchange_id"])


def _acme_message_and_ack(world: World) -> tuple[int, int]:
    message = _submit(world, world.acme, x12_850(), "shared-key")
    world.drain()
    status = world.client.get(f"/v1/partner/messages/{message}", headers=world.acme.headers).json()
    return message, status["acks"][0]["exchange_id"]


def test_a_partner_never_sees_another_partners_messages_or_documents(world: World) -> None:
    message, ack = _acme_message_and_ack(world)
    beta = world.beta.headers
    for path in (
        f"/v1/partner/messages/{message}",
        f"/v1/partner/messages/{ack}",
        f"/v1/partner/documents/{ack}",
        f"/v1/partner/documents/{ack}/canonical",
        f"/v1/partner/documents/{message}",
        f"/v1/partner/documents/{message}/canonical",
    ):
        response = world.client.get(path, headers=beta)
        assert response.status_code == 404, (path, response.status_code, response.text)
        unknown = world.client.get(
            path.replace(f"/{message}", "/999999").replace(f"/{ack}", "/999999"), headers=beta
        )
        assert response.json()["error"] == unknown.json()["error"] == "not_found", "same as an unknown id"
        assert response.json()["detail"].endswith("does not exist")
    assert world.client.get("/v1/partner/documents", headers=beta).json() == []
    assert world.client.get("/v1/partner/messages", headers=beta).json() == []
    assert [m["id"] for m in world.client.get("/v1/partner/messages", headers=world.acme.headers).json()] == [
        message
    ]
    assert world.exchange(ack).status.value == "ready", "beta's attempt did not mark acme's ack fetched"


def test_the_same_idempotency_key_from_another_partner_is_a_new_message(world: World) -> None:
    acme_message, _ = _acme_message_and_ack(world)
    beta_message = _submit(world, world.beta, x12_850(sender="BETASUPPLY"), "shared-key")
    assert beta_message != acme_message
    assert world.exchange(beta_message).partner_id == world.beta.partner_id


def test_a_partner_cannot_smuggle_a_message_in_another_partners_name(world: World) -> None:
    message = _submit(world, world.beta, x12_850(sender="ACMESUPPLY"), "spoof")
    world.drain()
    status = world.client.get(f"/v1/partner/messages/{message}", headers=world.beta.headers).json()
    assert status["status"] == "rejected" and status["documents"] == []
    assert "not an identity of partner beta" in status["errors"][0]["message"]
    assert world.client.get("/v1/partner/documents", headers=world.acme.headers).json() == []


def test_every_partner_route_refuses_staff_tokens(world: World) -> None:
    message, ack = _acme_message_and_ack(world)
    with get_database(world.settings).transaction() as session:
        staff = [world.admin] + [
            create_token(session, f"{role.value}-x", role)[1]
            for role in (Role.OPERATOR, Role.AUDITOR, Role.ONBOARDING)
        ]
    routes = [
        ("GET", "/v1/partner/messages"),
        ("GET", "/v1/partner/documents"),
        ("GET", f"/v1/partner/documents/{ack}"),
        ("GET", f"/v1/partner/documents/{ack}/canonical"),
        ("GET", f"/v1/partner/messages/{message}"),
        ("POST", "/v1/partner/messages"),
    ]
    for token in staff:
        for method, path in routes:
            response = world.client.request(
                method, path, headers={"Authorization": f"Bearer {token}"} | X12, content=x12_850()
            )
            assert response.status_code == 403, (method, path, response.text)


def test_a_disabled_partner_is_refused_everywhere(world: World) -> None:
    message, ack = _acme_message_and_ack(world)
    with get_database(world.settings).transaction() as session:
        set_enabled(session, world.acme.partner_id, False)
    for method, path in [
        ("GET", "/v1/partner/messages"),
        ("GET", "/v1/partner/documents"),
        ("GET", f"/v1/partner/documents/{ack}"),
        ("GET", f"/v1/partner/documents/{ack}/canonical"),
        ("GET", f"/v1/partner/messages/{message}"),
        ("POST", "/v1/partner/messages"),
    ]:
        response = world.client.request(method, path, headers=world.acme.headers | X12, content=x12_850())
        assert response.status_code == 403, (method, path, response.text)
        assert "disabled" in response.json()["detail"]
    assert world.exchange(ack).status.value == "ready"
