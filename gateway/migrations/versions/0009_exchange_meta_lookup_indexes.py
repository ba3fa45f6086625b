"""expression indexes on the exchange meta keys that are looked up: the Message-ID of an AS2 message we
sent (matching an asynchronous MDN read every exchange of the partner) and the MDN due time of messages
still awaiting a receipt (the overdue check read every exchange)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gateway.models.base import JsonDoc, json_text

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ("ix_exchange_as2_message_id", "ix_exchange_mdn_awaited")


def upgrade() -> None:
    # the meta keys as they were when this revision was written (gateway.models.exchange)
    t = sa.table(
        "exchange",
        sa.column("partner_id"),
        sa.column("direction"),
        sa.column("transport"),
        sa.column("meta", JsonDoc),
    )
    message_id = json_text(t.c.meta, "as2_message_id")
    op.create_index(INDEXES[0], "exchange", [t.c.partner_id, t.c.direction, t.c.transport, message_id])
    awaited = json_text(t.c.meta, "mdn_status").in_(
        [sa.literal_column("'awaiting'"), sa.literal_column("'overdue'")]
    )
    due = json_text(t.c.meta, "mdn_due_at")
    op.create_index(INDEXES[1], "exchange", [due], sqlite_where=awaited, postgresql_where=awaited)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="exchange")
