"""Admin API for outbound exchanges: MDNs overdue (operator, auditor) and the operator resend."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gateway.auth.service import Principal
from gateway.deps import DatabaseDep, Id, SettingsDep, require
from gateway.models.auth import Role
from gateway.models.base import utcnow
from gateway.outbound import service
from gateway.outbound.schemas import OutboundExchangeOut

router = APIRouter(prefix="/v1/admin/exchanges", tags=["outbound"])
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Reader = Annotated[Principal, Depends(require(Role.OPERATOR, Role.AUDITOR))]


@router.get("/overdue-mdns")
def overdue_mdns(
    db: DatabaseDep,
    _principal: Reader,
    limit: Annotated[int, Query(ge=1, le=service.MAX_OVERDUE_LISTED)] = 100,
) -> list[OutboundExchangeOut]:
    """Sent AS2 exchanges whose asynchronous MDN has not arrived by its due time."""
    with db.sessions() as session:
        return [OutboundExchangeOut.of(e) for e in service.overdue_mdns(session, utcnow(), limit)]


@router.post("/{exchange_id}/resend", responses={404: {}, 409: {"description": "not failed"}})
def resend(
    exchange_id: Id,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: Operator,
    rebuild: Annotated[
        bool, Query(description="Build a new AS2 message (new Message-ID, current certificates)")
    ] = False,
) -> OutboundExchangeOut:
    """Send a failed outbound exchange again: the same archived bytes and Message-ID for AS2."""
    with db.transaction() as session:
        exchange = service.resend(session, settings, exchange_id, by=principal, rebuild=rebuild)
        return OutboundExchangeOut.of(exchange)
