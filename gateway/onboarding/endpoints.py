"""Admin API for trading partners (roles: onboarding writes; operator and auditor read)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, Response, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from gateway.auth.service import Principal
from gateway.deps import DatabaseDep, Id, SettingsDep, require
from gateway.errors import InvalidInputError
from gateway.models.auth import Role
from gateway.onboarding import repository, service
from gateway.onboarding.check import run_check
from gateway.onboarding.schemas import PartnerChanges, PartnerOut, PartnerSummary
from partners.profile import PartnerProfile

router = APIRouter(prefix="/v1/admin/partners", tags=["partners"])
Writer = Annotated[Principal, Depends(require(Role.ONBOARDING))]
Reader = Annotated[Principal, Depends(require(Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR))]


def _etag(response: Response, partner: PartnerOut) -> PartnerOut:
    response.headers["ETag"] = f'"{partner.version}"'
    return partner


def _version(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise InvalidInputError("If-Match must be the partner's version, as in its ETag", location="If-Match")
    return int(value)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(profile: PartnerProfile, db: DatabaseDep, principal: Writer, response: Response) -> PartnerOut:
    with db.transaction() as session:
        out = PartnerOut.of(service.create_partner(session, profile.model_dump(mode="json"), by=principal))
    return _etag(response, out)


@router.get("")
def search(
    db: DatabaseDep,
    _principal: Reader,
    q: Annotated[str | None, Query(max_length=100, description="code, name or identity contains")] = None,
    enabled: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[PartnerSummary]:
    with db.sessions() as session:
        return [
            PartnerSummary(id=p.id, code=p.code, name=p.name, enabled=p.enabled, version=p.version)
            for p in repository.search(session, q, enabled, limit, offset)
        ]


@router.get("/{partner_id}")
def read(partner_id: Id, db: DatabaseDep, _principal: Reader, response: Response) -> PartnerOut:
    with db.sessions() as session:
        return _etag(response, PartnerOut.of(service.get_partner(session, partner_id)))


@router.patch("/{partner_id}")
def update(
    partner_id: Id,
    changes: Annotated[
        PartnerChanges, Body(description="Partial profile: nested objects merge, lists replace")
    ],
    db: DatabaseDep,
    principal: Writer,
    response: Response,
    if_match: Annotated[str | None, Header(description="ETag of the version you edited")] = None,
) -> PartnerOut:
    with db.transaction() as session:
        partner = service.update_partner(
            session, partner_id, changes, expected_version=_version(if_match), by=principal
        )
        return _etag(response, PartnerOut.of(partner))


@router.post("/{partner_id}/disable")
def disable(partner_id: Id, db: DatabaseDep, principal: Writer, response: Response) -> PartnerOut:
    with db.transaction() as session:
        return _etag(response, PartnerOut.of(service.set_enabled(session, partner_id, False, by=principal)))


@router.post("/{partner_id}/enable")
def enable(partner_id: Id, db: DatabaseDep, principal: Writer, response: Response) -> PartnerOut:
    with db.transaction() as session:
        return _etag(response, PartnerOut.of(service.set_enabled(session, partner_id, True, by=principal)))


class CheckOut(BaseModel):
    ready: bool
    findings: list[dict[str, Any]]
    exchange_id: int | None
    status: str | None
    outcome: str


@router.post("/{partner_id}/test")
async def check_partner(
    partner_id: Id,
    db: DatabaseDep,
    settings: SettingsDep,
    principal: Writer,
    wait: Annotated[float, Query(ge=0, le=120, description="Seconds to wait for the delivery result")] = 20,
) -> CheckOut:
    """Check the partner's settings and certificates, then send a test message and report the result."""
    report = await run_in_threadpool(run_check, db, settings, partner_id, wait, principal)
    return CheckOut(**vars(report))
