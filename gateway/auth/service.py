"""Create, authenticate and revoke API tokens; write audit events."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.errors import GatewayError, InvalidInputError, NotFoundError
from gateway.models.auth import ApiToken, AuditEvent, Role
from gateway.models.base import utcnow
from gateway.observability import get_correlation_id

TOKEN_PREFIX = "edigw_"  # noqa: S105 - a label, not a secret
TOKEN_BYTES = 32
DISPLAY_PREFIX_CHARS = 12
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AuthenticationError(GatewayError):
    http_status = 401
    code = "unauthenticated"


class ForbiddenError(GatewayError):
    http_status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's id, name and role, and for partner tokens the partner."""

    token_id: int
    name: str
    role: Role
    partner_id: int | None = None

    @property
    def actor(self) -> str:
        return f"token:{self.token_id}:{self.name}"


SYSTEM = Principal(token_id=0, name="cli", role=Role.ADMIN)
"""The local operator running ``edigw`` on the server (has shell access, so admin)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    name: str,
    role: Role,
    *,
    partner_id: int | None = None,
    expires_in_days: int | None = None,
    by: Principal = SYSTEM,
) -> tuple[ApiToken, str]:
    """A new token; the plaintext is returned once and only its hash is stored."""
    if (role == Role.PARTNER) != (partner_id is not None):
        raise InvalidInputError("a partner token needs a partner id, and only a partner token has one")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        name=name,
        role=role,
        token_hash=hash_token(plaintext),
        prefix=plaintext[:DISPLAY_PREFIX_CHARS],
        partner_id=partner_id,
        expires_at=expires,
    )
    session.add(token)
    session.flush()
    audit(session, by, "token.create", "api_token", token.id, after=token_summary(token))
    return token, plaintext


def token_summary(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role.value,
        "prefix": token.prefix,
        "partner_id": token.partner_id,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def authenticate(session: Session, plaintext: str, now: datetime | None = None) -> Principal:
    now = now or utcnow()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plaintext)))
    if token is None or not hmac.compare_digest(token.token_hash, hash_token(plaintext)):
        raise AuthenticationError("unknown API token")
    if token.revoked_at is not None:
        raise AuthenticationError("this API token was revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationError("this API token has expired")
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
    return Principal(token.id, token.name, token.role, token.partner_id)


def revoke_token(session: Session, token_id: int, by: Principal = SYSTEM) -> ApiToken:
    token = session.get(ApiToken, token_id, with_for_update=True)
    if token is None:
        raise NotFoundError(f"API token {token_id} does not exist")
    before = token_summary(token)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    audit(session, by, "token.revoke", "api_token", token.id, before=before, after=token_summary(token))
    return token


def audit(
    session: Session,
    by: Principal,
    action: str,
    object_type: str,
    object_id: int | str | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record who did what to which object, with the state before and after, in the same transaction."""
    event = AuditEvent(
        actor=by.actor,
        actor_role=by.role.value,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=before,
        after=after,
        correlation_id=get_correlation_id(),
    )
    session.add(event)
    return event
