"""slack rate limits: the wait Slack asked of a workspace before it calls a method again

A 429's Retry-After is kept per workspace and Web API method, so every Slack task calling that
method waits for it, queued before the 429 or after (`SlackTasks.run_one`). Nothing to carry
over: a wait asked before this revision was kept by its task alone.

Revision ID: a7c3e9f2d415
Revises: f6d2b8a4c731
Create Date: 2026-12-08 01:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a7c3e9f2d415"
down_revision: str | Sequence[str] | None = "f6d2b8a4c731"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_rate_limits",
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("slack_team_id", "method"),
    )


def downgrade() -> None:
    op.drop_table("slack_rate_limits")
