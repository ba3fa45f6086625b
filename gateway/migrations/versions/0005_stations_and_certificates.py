"""stations and certificates

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 06:31:05.592867
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import gateway.models.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("as2_id", sa.String(length=128), nullable=True),
        sa.Column(
            "identities",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station")),
        sa.UniqueConstraint("as2_id", name=op.f("uq_station_as2_id")),
        sa.UniqueConstraint("code", name=op.f("uq_station_code")),
    )
    op.create_table(
        "certificate",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("partner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("station_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "usages",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "info",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("chain_pem", sa.Text(), nullable=False),
        sa.Column("fingerprint_sha256", sa.String(length=64), nullable=False),
        sa.Column("issuer_serial", sa.String(length=600), nullable=False),
        sa.Column("not_after", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.Column("active_from", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("active_until", gateway.models.base.UtcDateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("sealed_private_key", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", gateway.models.base.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partner.id"], name=op.f("fk_certificate_partner_id_partner")
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name=op.f("fk_certificate_station_id_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint(
            "partner_id", "station_id", "fingerprint_sha256", name="uq_certificate_owner_fingerprint"
        ),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_fingerprint_sha256"), ["fingerprint_sha256"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_certificate_issuer_serial"), ["issuer_serial"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_not_after"), ["not_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_partner_id"), ["partner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificate_station_id"), ["station_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_station_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_partner_id"))
        batch_op.drop_index(batch_op.f("ix_certificate_not_after"))
        batch_op.drop_index(batch_op.f("ix_certificate_issuer_serial"))
        batch_op.drop_index(batch_op.f("ix_certificate_fingerprint_sha256"))

    op.drop_table("certificate")
    op.drop_table("station")
