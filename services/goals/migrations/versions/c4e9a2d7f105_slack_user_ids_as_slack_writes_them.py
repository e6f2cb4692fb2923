"""slack user ids as slack writes them: members' ids saved in lower case are upper-cased

Before Slack user ids were checked and upper-cased on input (commits b31a667, b870574), a
member's profile could keep `u0123abcd` or ` U0123ABCD`; Slack sends `U0123ABCD`, so no
lookup found that member. Every stored id that names a Slack user in any case is spelled as
Slack writes it (`shared.slack_user_ids`); text naming none (`Mars/Olympus`) stays as it is.

Two members of a team whose ids upper-case to one (`u123` and `U123`) cannot both keep it
(the unique index on team and Slack user): the one Slack acts for today keeps it (not left,
then the one already spelled as Slack writes it, which lookups found, then the lowest id, as
e7a3c9d1f248 chose); the others' profile loses it (null), as that revision did.
Notifications' replica of members is migrated by the same rule (its c1f5b8e2d734).

Revision ID: c4e9a2d7f105
Revises: b3f7d1a9e562
Create Date: 2026-12-07 22:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared.slack_user_ids import upper_case_slack_user_ids

# revision identifiers, used by Alembic.
revision: str = "c4e9a2d7f105"
down_revision: str | Sequence[str] | None = "b3f7d1a9e562"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upper_case_slack_user_ids(op.get_bind(), "members", "id")


def downgrade() -> None:
    """Ids spelled as Slack writes them are ids the code before took as well: nothing to
    undo (an id cleared for a teammate is not restored)."""
