"""Tokens and roles: every role against every protected endpoint, revocation, expiry, audit trail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from gateway.app import create_app
from gateway.auth.service import AuthenticationError, authenticate, create_token, hash_token
from gateway.config import Settings
from gateway.db import get_database
from gateway.errors import InvalidInputError
from gateway.models import ApiToken, AuditEvent, Role
from gateway.models.base import utcnow
from gateway.onboarding.service import create_partner
from tests.gateway.edi_samples import x12_partner

PUBLIC = {
    "/as2",
    "/health",
    "/ready",
    "/metrics",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
}

# (method, path, roles allowed besides admin)
MATRIX: list[tuple[str, str, set[Role]]] = [
    ("GET", "/v1/auth/whoami", set(Role)),
    ("GET", "/v1/admin/tokens", set()),
    ("GET", "/v1/audit-events", {Role.AUDITOR}),
    ("GET", "/v1/admin/jobs", {Role.OPERATOR}),
    ("GET", "/v1/archive/verify", {Role.AUDITOR}),
    ("GET", "/v1/admin/partners", {Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/admin/certificates/expiring", {Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/admin/stations", {Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/exchanges", {Role.AUDITOR, Role.OPERATOR}),
    ("GET", "/v1/admin/exchanges/overdue-mdns", {Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/documents", {Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/documents/acks/overdue", {Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/documents/reconciliations", {Role.OPERATOR, Role.AUDITOR}),
    ("GET", "/v1/partner/documents", {Role.PARTNER}),
    ("GET", "/v1/partner/messages", {Role.PARTNER}),
]
PARTNER_ONLY = {"/v1/partner/documents", "/v1/partner/messages"}
"""Routes for partner tokens alone: even an admin token is refused."""


@pytest.fixture
def client(migrated: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(migrated)) as test_client:
        yield test_client


@pytest.fixture
def tokens(migrated: Settings) -> dict[Role, str]:
    out = {}
    with get_database(migrated).transaction() as session:
        partner_id = create_partner(session, x12_partner()).id
        for role in Role:
            _, out[role] = create_token(
                session, f"{role.value}-user", role, partner_id=partner_id if role == Role.PARTNER else None
            )
    return out


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path", "roles"), MATRIX)
def test_every_role_against_every_endpoint(
    client: TestClient, tokens: dict[Role, str], method: str, path: str, roles: set[Role]
) -> None:
    for role, token in tokens.items():
        response = client.request(method, path, headers=_auth(token))
        allowed = role in roles or (role == Role.ADMIN and path not in PARTNER_ONLY)
        assert (response.status_code == 403) != allowed, (role, path, response.status_code, response.text)
        if allowed:
            assert response.status_code == 200, (role, path, response.text)


def _operations(client: TestClient) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item if path not in PUBLIC]


def test_every_non_public_route_needs_a_token(client: TestClient) -> None:
    operations = _operations(client)
    assert len(operations) >= len(MATRIX)
    for method, template in operations:
        path = re.sub(r"\{[^}]+\}", "1", template)
        response = client.request(method, path)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["error"] == "unauthenticated"


def test_matrix_covers_every_get_route(client: TestClient) -> None:
    gets = {path for method, path in _operations(client) if method == "GET" and "{" not in path}
    assert gets <= {path for _, path, _ in MATRIX}, "add new endpoints to the role matrix"


def test_token_is_stored_hashed_and_shown_once(
    client: TestClient, tokens: dict[Role, str], migrated: Settings
) -> None:
    created = client.post(
        "/v1/admin/tokens", json={"name": "erp", "role": "operator"}, headers=_auth(tokens[Role.ADMIN])
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    with get_database(migrated).sessions() as session:
        stored = session.scalar(select(ApiToken).where(ApiToken.name == "erp"))
        assert stored is not None
        assert stored.token_hash == hash_token(secret)
        assert secret not in {stored.token_hash, stored.prefix}
    listed = client.get("/v1/admin/tokens", headers=_auth(tokens[Role.ADMIN])).json()
    assert all("token" not in row for row in listed)
    assert client.get("/v1/auth/whoami", headers=_auth(secret)).json()["role"] == "operator"


def test_revoked_token_is_refused_and_audited(
    client: TestClient, tokens: dict[Role, str], migrated: Settings
) -> None:
    admin = _auth(tokens[Role.ADMIN])
    whoami = client.get("/v1/auth/whoami", headers=_auth(tokens[Role.OPERATOR])).json()
    assert client.post(f"/v1/admin/tokens/{whoami['token_id']}/revoke", headers=admin).status_code == 200
    refused = client.get("/v1/auth/whoami", headers=_auth(tokens[Role.OPERATOR]))
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    events = client.get("/v1/audit-events", params={"action": "token.revoke"}, headers=admin).json()
    assert len(events) == 1
    assert events[0]["actor"].endswith("admin-user")
    assert events[0]["before"]["revoked_at"] is None
    assert events[0]["after"]["revoked_at"] is not None


def test_expired_and_unknown_tokens_are_refused(migrated: Settings) -> None:
    with get_database(migrated).transaction() as session:
        _, secret = create_token(session, "short", Role.AUDITOR, expires_in_days=1)
        with pytest.raises(AuthenticationError, match="expired"):
            authenticate(session, secret, now=utcnow() + timedelta(days=2))
        with pytest.raises(AuthenticationError, match="unknown"):
            authenticate(session, secret + "x")


def test_partner_tokens_need_a_partner_and_others_must_not_have_one(migrated: Settings) -> None:
    with get_database(migrated).transaction() as session:
        with pytest.raises(InvalidInputError):
            create_token(session, "p", Role.PARTNER)
        with pytest.raises(InvalidInputError):
            create_token(session, "o", Role.OPERATOR, partner_id=3)


def test_wrong_scheme_is_refused(client: TestClient, tokens: dict[Role, str]) -> None:
    response = client.get("/v1/auth/whoami", headers={"Authorization": f"Basic {tokens[Role.ADMIN]}"})
    assert response.status_code == 401


def test_replay_via_api_is_audited(client: TestClient, tokens: dict[Role, str], migrated: Settings) -> None:
    from gateway.models import JobStatus, OutboxJob
    from gateway.outbox import enqueue

    with get_database(migrated).transaction() as session:
        job = enqueue(session, migrated, "system.ping")
        session.flush()
        job.status = JobStatus.DEAD
        job_id = job.id
    operator = _auth(tokens[Role.OPERATOR])
    assert client.post(f"/v1/admin/jobs/{job_id}/replay", headers=operator).json()["status"] == "pending"
    again = client.post(f"/v1/admin/jobs/{job_id}/replay", headers=operator)
    assert again.status_code == 409
    assert (
        client.post(f"/v1/admin/jobs/{job_id}/replay", headers=_auth(tokens[Role.AUDITOR])).status_code == 403
    )
    with get_database(migrated).sessions() as session:
        assert session.get(OutboxJob, job_id).status == JobStatus.PENDING  # type: ignore[union-attr]
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "job.replay" in actions
