"""members one per slack user: a team's members name distinct Slack users

Two members of a team naming one Slack user made Slack commands and the App Home act for
whichever was found first. Members already sharing one keep it on the one notifications acts
for today (not left, then the lowest id, as its `SlackRepository.members_for` orders them);
the others' profile loses it (set to null), so the unique index can be built.

Revision ID: e7a3c9d1f248
Revises: c8d5f2a1e934
Create Date: 2026-12-06 04:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e7a3c9d1f248"
down_revision: str | Sequence[str] | None = "c8d5f2a1e934"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMED = sa.text("slack_user_id IS NOT NULL")

# A member loses the Slack user when a teammate naming it comes first: not left before left,
# then by id.
CLEAR_SHARED = """
UPDATE members SET slack_user_id = NULL
WHERE slack_user_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM members AS kept
    WHERE kept.team_id = members.team_id AND kept.slack_user_id = members.slack_user_id
      AND kept.id <> members.id
      AND (CASE WHEN kept.state = 'left' THEN 1 ELSE 0 END, kept.id)
        < (CASE WHEN members.state = 'left' THEN 1 ELSE 0 END, members.id))
"""


def upgrade() -> None:
    op.execute(CLEAR_SHARED)
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("uq_members_team_slack_user", ["team_id", "slack_user_id"],
                              unique=True, postgresql_where=NAMED, sqlite_where=NAMED)


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("uq_members_team_slack_user", postgresql_where=NAMED,
                            sqlite_where=NAMED)
