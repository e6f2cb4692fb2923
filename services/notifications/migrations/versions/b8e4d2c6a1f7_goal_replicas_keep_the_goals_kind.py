"""goal replicas keep the goal's kind: Slack offers a team goal to every member who sees it

The checkins service takes a check-in on a team goal from any member who sees it, so the Slack
app offers those goals too. A goal replicated before this revision reads as personal until its
next `goal.*` event brings its kind.

Revision ID: b8e4d2c6a1f7
Revises: a7c3e5f1b2d4
Create Date: 2026-12-06 00:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b8e4d2c6a1f7"
down_revision: str | Sequence[str] | None = "a7c3e5f1b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("goal_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=10), nullable=False,
                                      server_default="personal"))


def downgrade() -> None:
    with op.batch_alter_table("goal_views", schema=None) as batch_op:
        batch_op.drop_column("kind")
