"""outbox and system ping

Revision ID: 0001
Revises:
Create Date: 2026-11-23 06:09:03.109266
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gateway.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_job",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("task", sa.String(length=100), nullable=False),
        sa.Column("queue", sa.String(length=100), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=True),
        sa.Column("subject_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "args",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("dedup_key", sa.String(length=255), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "published",
                "running",
                "done",
                "dead",
                name="jobstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("published_at", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("publish_count", sa.Integer(), nullable=False),
        sa.Column("started_at", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("correlation_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_job")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_outbox_job_dedup_key")),
    )
    with op.batch_alter_table("outbox_job", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_job_status_available_at", ["status", "available_at"], unique=False)
        batch_op.create_index("ix_outbox_job_subject", ["subject_type", "subject_id"], unique=False)

    op.create_table(
        "system_ping",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("worker_pid", sa.Integer(), nullable=False),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["outbox_job.id"], name=op.f("fk_system_ping_job_id_outbox_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_system_ping")),
        sa.UniqueConstraint("job_id", name=op.f("uq_system_ping_job_id")),
    )


def downgrade() -> None:
    op.drop_table("system_ping")
    with op.batch_alter_table("outbox_job", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_job_subject")
        batch_op.drop_index("ix_outbox_job_status_available_at")

    op.drop_table("outbox_job")
