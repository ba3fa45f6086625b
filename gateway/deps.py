"""FastAPI dependencies: settings, database, and the authenticated principal with a role check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.service import AuthenticationError, ForbiddenError, Principal, authenticate
from gateway.config import Settings
from gateway.db import Database
from gateway.models.auth import Role

_bearer = HTTPBearer(auto_error=False, description="API token created by `edigw tokens create`")


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_db)]


def current_principal(
    db: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("send an API token as 'Authorization: Bearer <token>'")
    with db.transaction() as session:
        return authenticate(session, credentials.credentials)


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through the given roles (admin always, except on partner-only routes)."""
    allowed = set(roles) if roles == (Role.PARTNER,) else {*roles, Role.ADMIN}

    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(f"role {principal.role.value} may not do this")
        return principal

    return check


AnyPrincipal = Annotated[Principal, Depends(current_principal)]


MAX_ID = 2**63 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A database id")]
"""Every id in a path: a positive 64-bit integer (larger values are a 422, never a database error)."""
