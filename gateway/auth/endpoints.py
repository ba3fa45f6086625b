"""Token administration, ``whoami`` and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from gateway.auth.schemas import AuditEventOut, TokenCreate, TokenCreated, TokenOut, WhoAmI
from gateway.auth.service import Principal, create_token, revoke_token
from gateway.deps import AnyPrincipal, DatabaseDep, Id, require
from gateway.models.auth import ApiToken, AuditEvent, Role

router = APIRouter(tags=["access"])
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR))]


@router.get("/v1/auth/whoami")
def whoami(principal: AnyPrincipal) -> WhoAmI:
    return WhoAmI(
        token_id=principal.token_id, name=principal.name, role=principal.role, partner_id=principal.partner_id
    )


@router.post("/v1/admin/tokens", status_code=status.HTTP_201_CREATED)
def create(body: TokenCreate, db: DatabaseDep, principal: Admin) -> TokenCreated:
    with db.transaction() as session:
        token, plaintext = create_token(
            session,
            body.name,
            body.role,
            partner_id=body.partner_id,
            expires_in_days=body.expires_in_days,
            by=principal,
        )
        return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@router.get("/v1/admin/tokens")
def list_tokens(db: DatabaseDep, _principal: Admin) -> list[TokenOut]:
    with db.sessions() as session:
        return [TokenOut.model_validate(t) for t in session.scalars(select(ApiToken).order_by(ApiToken.id))]


@router.post("/v1/admin/tokens/{token_id}/revoke")
def revoke(token_id: Id, db: DatabaseDep, principal: Admin) -> TokenOut:
    with db.transaction() as session:
        return TokenOut.model_validate(revoke_token(session, token_id, by=principal))


@router.get("/v1/audit-events")
def audit_events(
    db: DatabaseDep,
    _principal: Auditor,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEventOut]:
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    for column, value in ((AuditEvent.action, action), (AuditEvent.object_type, object_type)):
        if value is not None:
            stmt = stmt.where(column == value)
    if object_id is not None:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    with db.sessions() as session:
        return [AuditEventOut.model_validate(e) for e in session.scalars(stmt)]
