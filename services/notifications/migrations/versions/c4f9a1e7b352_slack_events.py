"""slack events: Slack's event ids in a table of their own, kept a day, out of the inbox

Revision ID: c4f9a1e7b352
Revises: b8e2d6f4a1c7
Create Date: 2026-12-06 07:00:00.000000

The inbox held them as uuid5 ids of type `slack.<kind>`, which cannot be turned back into
Slack's ids: they are dropped, not copied. They only caught Slack's retries, which come within
minutes of the first delivery.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c4f9a1e7b352"
down_revision: str | Sequence[str] | None = "b8e2d6f4a1c7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_events_received_at"), ["received_at"],
                              unique=False)
    op.execute("DELETE FROM inbox WHERE event_type LIKE 'slack.%'")


def downgrade() -> None:
    with op.batch_alter_table("slack_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_events_received_at"))
    op.drop_table("slack_events")
