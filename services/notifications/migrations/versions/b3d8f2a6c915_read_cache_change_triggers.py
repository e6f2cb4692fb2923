"""read cache change triggers: on PostgreSQL a change to the feed's items or to a member
notifies the web processes' read caches at commit (shared.read_cache)

Revision ID: b3d8f2a6c915
Revises: d9a4c1f6e913
Create Date: 2026-12-04 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared.change_watch import migrate_change_triggers

# revision identifiers, used by Alembic.
revision: str = "b3d8f2a6c915"
down_revision: str | Sequence[str] | None = "d9a4c1f6e913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as they were at this revision (READ_BY_TEAM and READ_WHOLE in
# services/notifications/adapters/orm.py).
BY_TEAM = ["notifications", "member_views"]
WHOLE: list[str] = []


def upgrade() -> None:
    migrate_change_triggers(op, "notifications", BY_TEAM, WHOLE)


def downgrade() -> None:
    migrate_change_triggers(op, "notifications", BY_TEAM, WHOLE, add=False)
