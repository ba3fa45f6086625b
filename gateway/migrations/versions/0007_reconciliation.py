"""reconciliation of answers with purchase orders

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 07:35:05.099424
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gateway.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconciliation",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("po_number", sa.String(length=80), nullable=False),
        sa.Column("po_document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "matched",
                "deviations",
                "unmatched",
                name="reconciliationstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "deviations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "lines",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("wait_until", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("checked_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_reconciliation_document_id_document")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_reconciliation_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["po_document_id"], ["document.id"], name=op.f("fk_reconciliation_po_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reconciliation")),
        sa.UniqueConstraint("document_id", "po_number", name="uq_reconciliation_document_po"),
    )
    with op.batch_alter_table("reconciliation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reconciliation_document_id"), ["document_id"], unique=False)
        batch_op.create_index("ix_reconciliation_partner_po", ["partner_id", "po_number"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reconciliation_po_document_id"), ["po_document_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reconciliation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reconciliation_po_document_id"))
        batch_op.drop_index("ix_reconciliation_partner_po")
        batch_op.drop_index(batch_op.f("ix_reconciliation_document_id"))

    op.drop_table("reconciliation")
