"""Create, update, disable and find partners. Validation is the partner domain's; this module adds
persistence, identity uniqueness across partners, optimistic concurrency and the audit trail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.auth.service import SYSTEM, Principal, audit
from gateway.errors import ConflictError, NotFoundError
from gateway.models.base import utcnow
from gateway.models.partner import Partner
from gateway.onboarding import repository
from partners.conflicts import ensure_unique_identities, find_partner_by_edifact, find_partner_by_x12
from partners.errors import DuplicateIdentityError, FieldError
from partners.profile import PartnerProfile, parse_profile, update_profile


def profile_of(partner: Partner) -> PartnerProfile:
    return PartnerProfile.model_validate(partner.profile)


def _check_identities(session: Session, profile: PartnerProfile) -> None:
    candidates = repository.partners_sharing_keys(session, repository.identity_keys(profile))
    ensure_unique_identities(
        profile.code, profile.identities, ((p.code, profile_of(p).identities) for p in candidates)
    )
    username = repository.sftp_username(profile)
    if username is None:
        return
    for other in candidates:
        if other.code != profile.code and repository.sftp_username(profile_of(other)) == username:
            # two partners with one login would both be refused at the SFTP server
            message = f"SFTP username {username!r} is already used by partner {other.code}"
            loc = ("transports", "sftp", "inbound", "username")
            error = FieldError(loc, message, "identity_duplicate", {"other_partner": other.code})
            raise DuplicateIdentityError([error])


def _store(partner: Partner, profile: PartnerProfile) -> None:
    partner.name = profile.name
    partner.enabled = profile.enabled
    partner.profile = profile.model_dump(mode="json")
    partner.updated_at = utcnow()


def create_partner(session: Session, data: Mapping[str, Any], by: Principal = SYSTEM) -> Partner:
    """Validate and store a new partner; ProfileValidationError / DuplicateIdentityError are located."""
    profile = parse_profile(data)
    repository.lock_partner_writes(session)
    if session.scalar(select(Partner.id).where(Partner.code == profile.code)) is not None:
        raise ConflictError(f"a partner with code {profile.code!r} already exists", location="code")
    _check_identities(session, profile)
    partner = Partner(code=profile.code, version=1)
    _store(partner, profile)
    session.add(partner)
    session.flush()
    repository.replace_identity_keys(session, partner, profile)
    audit(session, by, "partner.create", "partner", partner.id, after=partner.profile)
    return partner


def get_partner(session: Session, partner_id: int, *, for_update: bool = False) -> Partner:
    partner = session.get(Partner, partner_id, with_for_update=for_update)
    if partner is None:
        raise NotFoundError(f"partner {partner_id} does not exist")
    return partner


def update_partner(
    session: Session,
    partner_id: int,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    by: Principal = SYSTEM,
) -> Partner:
    """Apply a partial update; with ``expected_version`` a concurrent change is a 409, never lost."""
    repository.lock_partner_writes(session)
    partner = get_partner(session, partner_id, for_update=True)
    if expected_version is not None and expected_version != partner.version:
        raise ConflictError(
            f"partner {partner.code} changed meanwhile: it is at version {partner.version}, "
            f"your edit was made on version {expected_version}"
        )
    before = partner.profile
    profile = update_profile(profile_of(partner), changes)
    _check_identities(session, profile)
    _store(partner, profile)
    partner.version += 1
    repository.replace_identity_keys(session, partner, profile)
    audit(session, by, "partner.update", "partner", partner.id, before=before, after=partner.profile)
    return partner


def set_enabled(session: Session, partner_id: int, enabled: bool, by: Principal = SYSTEM) -> Partner:
    partner = get_partner(session, partner_id, for_update=True)
    if partner.enabled == enabled:
        return partner
    return update_partner(session, partner_id, {"enabled": enabled}, by=by)


def find_by_as2_id(session: Session, as2_id: str) -> Partner | None:
    """The partner whose AS2 ID is exactly ``as2_id`` (AS2 names are case-sensitive)."""
    found = repository.by_identity_key(session, "as2", as2_id)
    return found[0] if found else None


def find_by_isa(session: Session, qualifier: str, isa_id: str, gs_id: str | None) -> Partner | None:
    candidates = repository.by_identity_key(session, "x12", f"{qualifier.strip()}:{isa_id.rstrip(' ')}")
    code = find_partner_by_x12(
        ((p.code, profile_of(p).identities) for p in candidates), qualifier, isa_id, gs_id
    )
    return next((p for p in candidates if p.code == code), None)


def find_by_unb(session: Session, unb_id: str, qualifier: str | None) -> Partner | None:
    candidates = repository.by_identity_key(session, "edifact", unb_id)
    code = find_partner_by_edifact(
        ((p.code, profile_of(p).identities) for p in candidates), unb_id, qualifier
    )
    return next((p for p in candidates if p.code == code), None)
