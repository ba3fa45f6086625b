"""Small archived contents are kept in the database (``archive_blob``) beside their records, and like
the records they can only be added; contents archived as files so far stay where they are and are still
found there

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 14:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.migrations.append_only import allow_update_and_delete, forbid_update_and_delete

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_archive_blob")),
    )
    forbid_update_and_delete("archive_blob")


def downgrade() -> None:
    """Refused while the table holds archived content: dropping it would lose evidence the records
    point to (earlier versions look for every content in the archive folder only)."""
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM archive_blob")).scalar()
    if held:
        raise RuntimeError(
            f"archive_blob holds {held} archived contents; downgrading past 0011 would lose them"
        )
    allow_update_and_delete("archive_blob")
    op.drop_table("archive_blob")
