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

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = "archive_blob is append-only"


def upgrade() -> None:
    op.create_table(
        "archive_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_archive_blob")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION archive_blob_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$;
        """)
        op.execute("""
            CREATE TRIGGER archive_blob_append_only BEFORE UPDATE OR DELETE ON archive_blob
            FOR EACH ROW EXECUTE FUNCTION archive_blob_append_only();
        """)
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER archive_blob_no_{action.lower()} BEFORE {action} ON archive_blob
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END;
        """)


def downgrade() -> None:
    """Refused while the table holds archived content: dropping it would lose evidence the records
    point to (earlier versions look for every content in the archive folder only)."""
    held = op.get_bind().execute(sa.text("SELECT count(*) FROM archive_blob")).scalar()
    if held:
        raise RuntimeError(
            f"archive_blob holds {held} archived contents; downgrading past 0011 would lose them"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS archive_blob_append_only ON archive_blob")
        op.execute("DROP FUNCTION IF EXISTS archive_blob_append_only()")
    op.drop_table("archive_blob")
