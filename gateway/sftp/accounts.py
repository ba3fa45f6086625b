"""Who may log in to the embedded SFTP server: the inbound account of each enabled partner, read from the
database on every login (read-only), so a key added, removed or a partner disabled applies at once."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models.partner import Partner
from gateway.onboarding.repository import SFTP_KEY, by_identity_key
from gateway.onboarding.service import profile_of
from partners.ssh_keys import SshPublicKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SftpAccount:
    """An enabled partner's SFTP login: its folder is named by ``partner_code``."""

    partner_id: int
    partner_code: str
    username: str
    authorized_keys: tuple[SshPublicKey, ...]


def _account(partner: Partner) -> SftpAccount | None:
    sftp = profile_of(partner).transports.sftp
    if sftp is None or sftp.inbound is None:
        return None
    inbound = sftp.inbound
    return SftpAccount(partner.id, partner.code, inbound.username, inbound.authorized_keys)


def find_account(session: Session, username: str) -> SftpAccount | None:
    """The enabled partner whose SFTP username is ``username``; none when unknown or ambiguous (onboarding
    refuses a second partner with the same login; partners stored before it did may still share one)."""
    partners = [p for p in by_identity_key(session, SFTP_KEY, username) if p.enabled]
    matches = [a for a in map(_account, partners) if a is not None and a.username == username]
    if len(matches) > 1:
        codes = ", ".join(a.partner_code for a in matches)
        log.error("SFTP username %r is used by several partners (%s); refusing login", username, codes)
        return None
    return matches[0] if matches else None


def enabled_partner_by_code(session: Session, code: str) -> Partner | None:
    return session.scalar(select(Partner).where(Partner.code == code, Partner.enabled.is_(True)))
