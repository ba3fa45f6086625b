"""index on exchange.received_at for the console's day and trend counts (they scanned the table)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 22:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_exchange_received", "exchange", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_exchange_received", table_name="exchange")
