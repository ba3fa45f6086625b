"""archive records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 06:25:08.570535
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gateway.models.base
from gateway.migrations.append_only import allow_update_and_delete, forbid_update_and_delete

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_archive_head_singleton")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_head")),
    )
    op.create_table(
        "archive_record",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=True),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_size", sa.BigInteger(), nullable=False),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_record")),
        sa.UniqueConstraint("record_hash", name=op.f("uq_archive_record_record_hash")),
        sa.UniqueConstraint("seq", name=op.f("uq_archive_record_seq")),
    )
    with op.batch_alter_table("archive_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_archive_record_content_sha256"), ["content_sha256"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_archive_record_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_archive_record_subject_type"), ["subject_type"], unique=False)
    op.execute("INSERT INTO archive_head (id, seq, record_hash) VALUES (1, 0, '" + "0" * 64 + "')")
    forbid_update_and_delete("archive_record")


def downgrade() -> None:
    allow_update_and_delete("archive_record")
    with op.batch_alter_table("archive_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_archive_record_subject_type"))
        batch_op.drop_index(batch_op.f("ix_archive_record_subject_id"))
        batch_op.drop_index(batch_op.f("ix_archive_record_content_sha256"))

    op.drop_table("archive_record")
    op.drop_table("archive_head")
