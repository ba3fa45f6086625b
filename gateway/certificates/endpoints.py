"""Certificates of partners (onboarding) and stations with their keys (admin); expiry listing."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import select

from gateway.auth.service import ForbiddenError, Principal
from gateway.certificates import service
from gateway.certificates.schemas import (
    CertificateOut,
    CertificateUpload,
    CertificateWindow,
    ExpiringOut,
    KeyGenerate,
    KeyGenerated,
    KeyImport,
    StationCreate,
    StationOut,
)
from gateway.deps import DatabaseDep, Id, SettingsDep, require
from gateway.errors import InvalidInputError
from gateway.keys import master_key
from gateway.models.auth import Role
from gateway.models.base import utcnow
from gateway.models.certificate import Station

router = APIRouter(tags=["certificates"])
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Onboarding = Annotated[Principal, Depends(require(Role.ONBOARDING))]
Reader = Annotated[Principal, Depends(require(Role.ONBOARDING, Role.OPERATOR, Role.AUDITOR))]


@router.post("/v1/admin/partners/{partner_id}/certificates", status_code=status.HTTP_201_CREATED)
def upload(partner_id: Id, body: CertificateUpload, db: DatabaseDep, principal: Onboarding) -> CertificateOut:
    password = body.password.encode() if body.password is not None else None
    with db.transaction() as session:
        row = service.import_partner_certificate(
            session, partner_id, body.content(), body.usages, password=password, by=principal
        )
        return CertificateOut.of(row)


@router.get("/v1/admin/partners/{partner_id}/certificates")
def partner_certificates(partner_id: Id, db: DatabaseDep, _principal: Reader) -> list[CertificateOut]:
    with db.sessions() as session:
        return [CertificateOut.of(r) for r in service.certificates_of(session, partner_id=partner_id)]


@router.patch("/v1/admin/certificates/{certificate_id}")
def set_window(
    certificate_id: Id, body: CertificateWindow, db: DatabaseDep, principal: Onboarding
) -> CertificateOut:
    with db.transaction() as session:
        row = service.get_certificate(session, certificate_id)
        if row.station_id is not None and principal.role != Role.ADMIN:
            raise ForbiddenError("station certificates are managed by admins")
        updated = service.update_window(
            session,
            certificate_id,
            enabled=body.enabled,
            active_from=body.active_from,
            active_until=body.active_until,
            by=principal,
        )
        return CertificateOut.of(updated)


@router.get("/v1/admin/certificates/expiring")
def expiring(
    db: DatabaseDep, _principal: Reader, days: Annotated[int, Query(ge=0, le=3650)] = 30
) -> list[ExpiringOut]:
    with db.sessions() as session:
        return [
            ExpiringOut(certificate=CertificateOut.of(row), days_left=w.days_left, expired=w.expired)
            for row, w in service.expiring(session, utcnow(), days)
        ]


@router.post("/v1/admin/stations", status_code=status.HTTP_201_CREATED)
def create_station(body: StationCreate, db: DatabaseDep, principal: Admin) -> StationOut:
    with db.transaction() as session:
        return StationOut.of(
            service.create_station(session, body.code, body.name, body.identities, by=principal)
        )


@router.get("/v1/admin/stations")
def list_stations(db: DatabaseDep, _principal: Reader) -> list[StationOut]:
    with db.sessions() as session:
        return [StationOut.of(s) for s in session.scalars(select(Station).order_by(Station.id))]


@router.get("/v1/admin/stations/{station_id}/certificates")
def station_certificates(station_id: Id, db: DatabaseDep, _principal: Reader) -> list[CertificateOut]:
    """Our public certificates, to send to partners."""
    with db.sessions() as session:
        return [CertificateOut.of(r) for r in service.certificates_of(session, station_id=station_id)]


@router.post("/v1/admin/stations/{station_id}/keys", status_code=status.HTTP_201_CREATED)
def generate_key(
    station_id: Id, body: KeyGenerate, db: DatabaseDep, settings: SettingsDep, principal: Admin
) -> KeyGenerated:
    with db.transaction() as session:
        generated = service.generate_station_key(
            session,
            station_id,
            body.subject,
            body.usages,
            master_key(settings),
            bits=body.bits,
            validity_days=body.validity_days,
            by=principal,
        )
        return KeyGenerated(certificate=CertificateOut.of(generated.certificate), csr_pem=generated.csr_pem)


@router.post("/v1/admin/stations/{station_id}/keys/import", status_code=status.HTTP_201_CREATED)
def import_key(
    station_id: Id, body: KeyImport, db: DatabaseDep, settings: SettingsDep, principal: Admin
) -> CertificateOut:
    try:
        data = base64.b64decode(body.pkcs12_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInputError("pkcs12_base64 is not valid base64", location="pkcs12_base64") from exc
    password = body.password.encode() if body.password is not None else None
    with db.transaction() as session:
        row = service.import_station_key(
            session, station_id, data, password, body.usages, master_key(settings), by=principal
        )
        return CertificateOut.of(row)
