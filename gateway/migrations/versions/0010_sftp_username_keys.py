"""SFTP logins become partner lookup keys: onboarding refuses a login another partner already has, and
the SFTP server finds the partner of a login by key instead of reading every partner

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 03:20:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.models.base import JsonDoc

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND = "sftp"
partner = sa.table("partner", sa.column("id"), sa.column("profile", JsonDoc))
identity_key = sa.table("partner_identity_key", sa.column("partner_id"), sa.column("kind"), sa.column("key"))


def _username(profile: dict[str, Any]) -> str | None:
    sftp = (profile.get("transports") or {}).get("sftp") or {}
    username = (sftp.get("inbound") or {}).get("username")
    return username if isinstance(username, str) else None


def upgrade() -> None:
    """Keys for the partners stored so far (partners that already share a login keep being refused at
    login, as before, until one of them is given another)."""
    conn = op.get_bind()
    rows = [
        {"partner_id": partner_id, "kind": KIND, "key": username}
        for partner_id, profile in conn.execute(sa.select(partner.c.id, partner.c.profile))
        if (username := _username(profile or {})) is not None
    ]
    if rows:
        conn.execute(identity_key.insert(), rows)


def downgrade() -> None:
    op.execute(identity_key.delete().where(identity_key.c.kind == KIND))
