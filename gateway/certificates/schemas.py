"""API shapes of certificates and stations. No shape carries a private key."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, field_validator

from gateway.models.certificate import Certificate, Station
from partners.keys import CertificateUsage, DistinguishedName
from partners.profile import PartnerIdentities

MAX_UPLOAD_BASE64_CHARS = 1_000_000


class CertificateUpload(BaseModel):
    content_base64: str = Field(
        max_length=MAX_UPLOAD_BASE64_CHARS,
        description="PEM, DER, PKCS#7/P7B or PKCS#12 bytes, base64-encoded",
    )
    password: str | None = Field(None, description="PKCS#12 password")
    usages: frozenset[CertificateUsage] = Field(min_length=1)

    @field_validator("content_base64")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("content_base64 is not valid base64") from exc
        return value

    def content(self) -> bytes:
        return base64.b64decode(self.content_base64)


class CertificateWindow(BaseModel):
    enabled: bool | None = None
    active_from: AwareDatetime | None = None
    active_until: AwareDatetime | None = None


class CertificateOut(BaseModel):
    id: int
    partner_id: int | None
    station_id: int | None
    usages: list[CertificateUsage]
    subject: str
    issuer: str
    serial_number: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    active_from: datetime | None
    active_until: datetime | None
    enabled: bool
    has_private_key: bool
    pem: str

    @classmethod
    def of(cls, row: Certificate) -> CertificateOut:
        info = row.info
        return cls(
            id=row.id,
            partner_id=row.partner_id,
            station_id=row.station_id,
            usages=[CertificateUsage(u) for u in row.usages],
            subject=info["subject"],
            issuer=info["issuer"],
            serial_number=info["serial_number"],
            fingerprint_sha256=row.fingerprint_sha256,
            not_before=datetime.fromisoformat(info["not_before"]),
            not_after=row.not_after,
            active_from=row.active_from,
            active_until=row.active_until,
            enabled=row.enabled,
            has_private_key=row.sealed_private_key is not None,
            pem=info["pem"],
        )


class ExpiringOut(BaseModel):
    certificate: CertificateOut
    days_left: int
    expired: bool


class StationCreate(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,63}$")
    name: str = Field(min_length=1, max_length=200)
    identities: PartnerIdentities


class StationOut(BaseModel):
    id: int
    code: str
    name: str
    identities: PartnerIdentities

    @classmethod
    def of(cls, station: Station) -> StationOut:
        return cls(
            id=station.id,
            code=station.code,
            name=station.name,
            identities=PartnerIdentities.model_validate(station.identities),
        )


class KeyGenerate(BaseModel):
    subject: DistinguishedName
    usages: frozenset[CertificateUsage] = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})
    bits: int = Field(2048, description="2048, 3072 or 4096")
    validity_days: int = Field(730, ge=1, le=3650)


class KeyGenerated(BaseModel):
    certificate: CertificateOut
    csr_pem: str = Field(description="A request for a CA; the self-signed certificate works meanwhile")


class KeyImport(BaseModel):
    pkcs12_base64: str = Field(max_length=MAX_UPLOAD_BASE64_CHARS)
    password: str | None = None
    usages: frozenset[CertificateUsage] = frozenset({CertificateUsage.SIGN, CertificateUsage.ENCRYPT})
