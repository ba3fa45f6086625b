"""exchanges documents counters erp deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 06:34:20.872887
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gateway.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "control_counter",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("syntax", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("last_value", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_control_counter_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_counter")),
        sa.UniqueConstraint("partner_id", "syntax", "level", name="uq_control_counter"),
    )
    op.create_table(
        "exchange",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("inbound", "outbound", name="direction", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("transport", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "received",
                "processed",
                "partial",
                "rejected",
                "ready",
                "sent",
                "failed",
                name="exchangestatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("syntax", sa.String(length=10), nullable=True),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("related_exchange_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("received_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name=op.f("fk_exchange_partner_id_partner")),
        sa.ForeignKeyConstraint(
            ["related_exchange_id"], ["exchange.id"], name=op.f("fk_exchange_related_exchange_id_exchange")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange")),
        sa.UniqueConstraint("partner_id", "direction", "transport", "message_id", name="uq_exchange_message"),
    )
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_partner_received", ["partner_id", "received_at"], unique=False)

    op.create_table(
        "document",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("exchange_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "direction",
            sa.Enum("inbound", "outbound", name="direction", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=False),
        sa.Column("business_key", sa.String(length=300), nullable=False),
        sa.Column("document_date", sa.String(length=10), nullable=True),
        sa.Column("message_type", sa.String(length=10), nullable=False),
        sa.Column("interchange_ref", sa.String(length=35), nullable=False),
        sa.Column("group_ref", sa.String(length=35), nullable=True),
        sa.Column("message_ref", sa.String(length=35), nullable=False),
        sa.Column(
            "canonical",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchange.id"], name=op.f("fk_document_exchange_id_exchange")
        ),
        sa.ForeignKeyConstraint(["partner_id"], ["partner.id"], name=op.f("fk_document_partner_id_partner")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
        sa.UniqueConstraint(
            "partner_id", "direction", "kind", "business_key", name="uq_document_business_key"
        ),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_exchange_id"), ["exchange_id"], unique=False)
        batch_op.create_index("ix_document_number", ["kind", "number"], unique=False)

    op.create_table(
        "seen_control_ref",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("syntax", sa.String(length=10), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=False),
        sa.Column("exchange_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seen_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"], ["exchange.id"], name=op.f("fk_seen_control_ref_exchange_id_exchange")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_seen_control_ref_partner_id_partner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seen_control_ref")),
        sa.UniqueConstraint("partner_id", "syntax", "level", "ref", name="uq_seen_control_ref"),
    )
    op.create_table(
        "erp_delivery",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("document_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("connector", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("started_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"], ["document.id"], name=op.f("fk_erp_delivery_document_id_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erp_delivery")),
    )
    with op.batch_alter_table("erp_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_erp_delivery_document_id"), ["document_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("erp_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_erp_delivery_document_id"))

    op.drop_table("erp_delivery")
    op.drop_table("seen_control_ref")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_number")
        batch_op.drop_index(batch_op.f("ix_document_exchange_id"))

    op.drop_table("document")
    with op.batch_alter_table("exchange", schema=None) as batch_op:
        batch_op.drop_index("ix_exchange_partner_received")

    op.drop_table("exchange")
    op.drop_table("control_counter")
