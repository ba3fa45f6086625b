"""API shapes of partners."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from gateway.models.partner import Partner
from partners.profile import PartnerProfile


class PartnerOut(BaseModel):
    id: int
    code: str
    name: str
    enabled: bool
    version: int
    created_at: datetime
    updated_at: datetime
    profile: PartnerProfile

    @classmethod
    def of(cls, partner: Partner) -> PartnerOut:
        return cls(
            id=partner.id,
            code=partner.code,
            name=partner.name,
            enabled=partner.enabled,
            version=partner.version,
            created_at=partner.created_at,
            updated_at=partner.updated_at,
            profile=PartnerProfile.model_validate(partner.profile),
        )


class PartnerSummary(BaseModel):
    id: int
    code: str
    name: str
    enabled: bool
    version: int


PartnerChanges = dict[str, Any]
