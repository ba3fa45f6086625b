"""Reading and writing partners and their identity keys."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from gateway.models.partner import Partner, PartnerIdentityKey
from partners.profile import PartnerProfile

SFTP_KEY = "sftp"


def sftp_username(profile: PartnerProfile) -> str | None:
    """The login of the partner on our SFTP server, if it has one."""
    sftp = profile.transports.sftp
    return sftp.inbound.username if sftp is not None and sftp.inbound is not None else None


def identity_keys(profile: PartnerProfile) -> set[tuple[str, str]]:
    """The lookup keys of a profile: its envelope identities and its SFTP login (both must be unique)."""
    identities = profile.identities
    keys = {("x12", f"{x.isa_qualifier}:{x.isa_id}") for x in identities.x12}
    keys |= {("edifact", e.unb_id) for e in identities.edifact}
    if identities.as2_id is not None:
        keys.add(("as2", identities.as2_id))
    username = sftp_username(profile)
    if username is not None:
        keys.add((SFTP_KEY, username))
    return keys


def lock_partner_writes(session: Session) -> None:
    """Serialise partner writes so two concurrent onboardings cannot claim the same identity."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext('edigw.partner_write'))"))


def partners_sharing_keys(session: Session, keys: Iterable[tuple[str, str]]) -> list[Partner]:
    """Partners with any of the identity keys: the only candidates for an identity conflict."""
    conditions = [(PartnerIdentityKey.kind == kind) & (PartnerIdentityKey.key == key) for kind, key in keys]
    if not conditions:
        return []
    ids = select(PartnerIdentityKey.partner_id).where(or_(*conditions))
    return list(session.scalars(select(Partner).where(Partner.id.in_(ids))))


def replace_identity_keys(session: Session, partner: Partner, profile: PartnerProfile) -> None:
    session.execute(delete(PartnerIdentityKey).where(PartnerIdentityKey.partner_id == partner.id))
    for kind, key in sorted(identity_keys(profile)):
        session.add(PartnerIdentityKey(partner_id=partner.id, kind=kind, key=key))


def by_identity_key(session: Session, kind: str, key: str) -> list[Partner]:
    ids = select(PartnerIdentityKey.partner_id).where(
        PartnerIdentityKey.kind == kind, PartnerIdentityKey.key == key
    )
    return list(session.scalars(select(Partner).where(Partner.id.in_(ids))))


def search(
    session: Session, query: str | None, enabled: bool | None, limit: int, offset: int
) -> list[Partner]:
    stmt = select(Partner).order_by(Partner.code).limit(limit).offset(offset)
    if query:
        pattern = f"%{query.lower()}%"
        ids = select(PartnerIdentityKey.partner_id).where(PartnerIdentityKey.key.ilike(pattern))
        stmt = stmt.where(or_(Partner.code.ilike(pattern), Partner.name.ilike(pattern), Partner.id.in_(ids)))
    if enabled is not None:
        stmt = stmt.where(Partner.enabled == enabled)
    return list(session.scalars(stmt))
