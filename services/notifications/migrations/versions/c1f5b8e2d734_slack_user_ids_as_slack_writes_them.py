"""slack user ids as slack writes them: the replica's member ids in lower case are upper-cased

Goals kept members' Slack user ids as typed before they were checked and upper-cased on
input (commits b31a667, b870574), and this replica copied them: `u0123abcd` matched no
lookup by the `U0123ABCD` Slack sends. Goals' c4e9a2d7f105 spells its members' ids as Slack
writes them without telling (no member.updated), so the replica is migrated by the same rule
(`shared.slack_user_ids`), to end as goals' members do: text naming no Slack user stays.

Two members of a team whose ids upper-case to one (`u123` and `U123`): the one Slack acts
for today keeps it (not left, then the one already spelled as Slack writes it, then the
lowest id); the others' id is cleared (null), as in goals.

Revision ID: c1f5b8e2d734
Revises: b7d2e9c4a613
Create Date: 2026-12-07 22:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared.slack_user_ids import upper_case_slack_user_ids

# revision identifiers, used by Alembic.
revision: str = "c1f5b8e2d734"
down_revision: str | Sequence[str] | None = "b7d2e9c4a613"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upper_case_slack_user_ids(op.get_bind(), "member_views", "member_id")


def downgrade() -> None:
    """Ids spelled as Slack writes them are ids the code before took as well: nothing to
    undo (an id cleared for a teammate is not restored)."""
