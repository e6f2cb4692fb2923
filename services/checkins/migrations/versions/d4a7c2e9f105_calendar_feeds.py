"""calendar feeds: a private iCalendar feed token per member, and goal due dates

Revision ID: d4a7c2e9f105
Revises: b8d2f1c3e402
Create Date: 2026-12-02 05:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d4a7c2e9f105"
down_revision: str | Sequence[str] | None = "b8d2f1c3e402"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("member_id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feeds_team_id"), ["team_id"], unique=False)
    with op.batch_alter_table("goal_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_date", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goal_views", schema=None) as batch_op:
        batch_op.drop_column("due_date")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_team_id"))
    op.drop_table("calendar_feeds")
