"""notifications name their goal: a channel message about a goal made private since is not sent

A burst's merged rows are indexed (merged_into): a burst claimed again reads them.

Revision ID: a9d3f5b7c210
Revises: f2d7b4c9e061
Create Date: 2026-12-07 13:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a9d3f5b7c210"
down_revision: str | Sequence[str] | None = "f2d7b4c9e061"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("goal_id", sa.String(length=36), nullable=True))
        batch_op.create_index("ix_notifications_merged_into", ["merged_into"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_merged_into")
        batch_op.drop_column("goal_id")
