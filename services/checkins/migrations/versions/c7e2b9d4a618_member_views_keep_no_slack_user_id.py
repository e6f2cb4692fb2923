"""member views keep no slack user id: checkins' copy of members drops what it never read

Checkins copied each member's Slack user id from goals' member events and read it nowhere
(Slack's commands reach checkins as commands naming the member, from notifications); the
copy kept ids saved before they were upper-cased as typed (`u0123abcd`), never migrated. The
column goes, and member events are no longer copied into it.

Revision ID: c7e2b9d4a618
Revises: f3c8e1a5b290
Create Date: 2026-12-08 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c7e2b9d4a618"
down_revision: str | Sequence[str] | None = "f3c8e1a5b290"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_views", schema=None) as batch_op:
        batch_op.drop_column("slack_user_id")


def downgrade() -> None:
    """The code before reads no id either: the column comes back empty, filled as members'
    next events come."""
    with op.batch_alter_table("member_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("slack_user_id", sa.String(length=64), nullable=True))
