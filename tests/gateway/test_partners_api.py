"""Onboarding partners through the admin API: create, read, search, update with optimistic concurrency,
disable; located validation errors; identity conflicts; roles; audit trail."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.config import Settings
from gateway.db import get_database
from gateway.models import Role
from gateway.onboarding import service
from tests.partners.factories import profile_data


def _other_partner(**identities: Any) -> dict[str, Any]:
    data = profile_data(code="globex", name="Globex Corporation")
    data["identities"] = identities
    data["formats"] = []
    data["transports"] = {}
    return data


def test_create_read_search(client: TestClient, headers: dict[Role, dict[str, str]]) -> None:
    created = client.post("/v1/admin/partners", json=profile_data(), headers=headers[Role.ONBOARDING])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["code"] == "acme"
    assert body["version"] == 1
    assert created.headers["ETag"] == '"1"'
    assert body["profile"]["identities"]["x12"][0]["isa_id"] == "ACMESUPPLY"
    read = client.get(f"/v1/admin/partners/{body['id']}", headers=headers[Role.AUDITOR])
    assert read.json()["profile"] == body["profile"]
    for query in ("acme", "Supplies", "ACMESUPPLY", "4012345000009"):
        found = client.get("/v1/admin/partners", params={"q": query}, headers=headers[Role.OPERATOR]).json()
        assert [p["code"] for p in found] == ["acme"], query
    assert (
        client.get("/v1/admin/partners", params={"q": "nothing"}, headers=headers[Role.OPERATOR]).json() == []
    )


@pytest.mark.parametrize(
    ("path", "value", "loc"),
    [
        (("identities", "x12", 0, "isa_id"), "A" * 16, "identities.x12[0].isa_id"),
        (("identities", "x12", 0, "isa_qualifier"), "QQ", "identities.x12[0].isa_qualifier"),
        (("transports", "as2", "url"), "https://10.0.0.5/as2", "transports.as2.url"),
        (("code",), "Bad Code!", "code"),
    ],
)
def test_validation_errors_are_located(
    client: TestClient, headers: dict[Role, dict[str, str]], path: tuple[Any, ...], value: Any, loc: str
) -> None:
    data = copy.deepcopy(profile_data())
    target: Any = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    response = client.post("/v1/admin/partners", json=data, headers=headers[Role.ONBOARDING])
    assert response.status_code == 422
    assert loc in [e["loc"] for e in response.json()["errors"]], response.json()


def test_identity_used_by_another_partner_is_a_located_conflict(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    writer = headers[Role.ONBOARDING]
    assert client.post("/v1/admin/partners", json=profile_data(), headers=writer).status_code == 201
    clash = _other_partner(as2_id="GLOBEX", x12=[{"isa_qualifier": "ZZ", "isa_id": "ACMESUPPLY"}])
    response = client.post("/v1/admin/partners", json=clash, headers=writer)
    assert response.status_code == 409
    assert response.json()["error"] == "identity_in_use"
    assert response.json()["errors"][0]["loc"] == "identities.x12[0]"
    assert "acme" in response.json()["errors"][0]["message"]
    # a distinct GS ID behind the same ISA ID is a different division, not a clash
    division = _other_partner(x12=[{"isa_qualifier": "ZZ", "isa_id": "ACMESUPPLY", "gs_id": "OTHERGS"}])
    assert client.post("/v1/admin/partners", json=division, headers=writer).status_code == 201
    same_code = _other_partner() | {"code": "acme"}
    response = client.post("/v1/admin/partners", json=same_code, headers=writer)
    assert response.status_code == 409
    assert response.json()["location"] == "code"


def test_update_merges_checks_version_and_audits(
    client: TestClient, headers: dict[Role, dict[str, str]], migrated: Settings
) -> None:
    writer = headers[Role.ONBOARDING]
    partner_id = client.post("/v1/admin/partners", json=profile_data(), headers=writer).json()["id"]
    changes = {
        "name": "ACME Supplies GmbH",
        "transports": {"as2": {"url": "https://as2-new.acme.example.com/as2"}},
    }
    updated = client.patch(
        f"/v1/admin/partners/{partner_id}", json=changes, headers=writer | {"If-Match": '"1"'}
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert (body["name"], body["version"]) == ("ACME Supplies GmbH", 2)
    assert body["profile"]["transports"]["as2"]["url"] == "https://as2-new.acme.example.com/as2"
    assert body["profile"]["transports"]["as2"]["async_mdn_allow_list"], "nested objects merge"
    stale = client.patch(
        f"/v1/admin/partners/{partner_id}", json={"name": "X"}, headers=writer | {"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    bad = client.patch(
        f"/v1/admin/partners/{partner_id}", json={"identities": {"as2_id": ""}}, headers=writer
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"].startswith("identities.as2_id")
    events = client.get(
        "/v1/audit-events", params={"object_type": "partner"}, headers=headers[Role.AUDITOR]
    ).json()
    assert [e["action"] for e in events] == ["partner.update", "partner.create"]
    assert events[0]["before"]["name"] == "ACME Supplies Ltd"
    assert events[0]["after"]["name"] == "ACME Supplies GmbH"


def test_disable_keeps_identities_reserved(client: TestClient, headers: dict[Role, dict[str, str]]) -> None:
    writer = headers[Role.ONBOARDING]
    partner_id = client.post("/v1/admin/partners", json=profile_data(), headers=writer).json()["id"]
    disabled = client.post(f"/v1/admin/partners/{partner_id}/disable", headers=writer)
    assert disabled.json()["enabled"] is False
    clash = _other_partner(as2_id="ACME AS2")
    assert client.post("/v1/admin/partners", json=clash, headers=writer).status_code == 409
    only_enabled = client.get("/v1/admin/partners", params={"enabled": True}, headers=writer).json()
    assert only_enabled == []


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AUDITOR, Role.PARTNER])
def test_only_onboarding_and_admin_write(
    client: TestClient, headers: dict[Role, dict[str, str]], role: Role
) -> None:
    assert client.post("/v1/admin/partners", json=profile_data(), headers=headers[role]).status_code == 403


def test_partner_tokens_cannot_read_the_partner_directory(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    client.post("/v1/admin/partners", json=profile_data(), headers=headers[Role.ADMIN])
    assert client.get("/v1/admin/partners", headers=headers[Role.PARTNER]).status_code == 403
    assert client.get("/v1/admin/partners/1", headers=headers[Role.PARTNER]).status_code == 403


def test_lookup_by_inbound_identities(migrated: Settings) -> None:
    with get_database(migrated).transaction() as session:
        acme = service.create_partner(session, profile_data())
        assert service.find_by_as2_id(session, "ACME AS2") is acme
        assert service.find_by_as2_id(session, "acme as2") is None, "AS2 names are case-sensitive"
        assert service.find_by_isa(session, "ZZ", "ACMESUPPLY     ", "ACMEGS") is acme
        assert service.find_by_isa(session, "01", "ACMESUPPLY", None) is None
        assert service.find_by_unb(session, "4012345000009", "14") is acme


def test_missing_partner_is_404(client: TestClient, headers: dict[Role, dict[str, str]]) -> None:
    response = client.get("/v1/admin/partners/999", headers=headers[Role.AUDITOR])
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
