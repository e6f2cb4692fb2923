"""read cache change triggers: on PostgreSQL a change to a table a goal read is made of
notifies the web processes' read caches at commit (shared.read_cache)

Revision ID: a7c3e9f1d204
Revises: d1f4b8e2c6a3
Create Date: 2026-12-04 11:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

from shared.change_watch import migrate_change_triggers

# revision identifiers, used by Alembic.
revision: str = "a7c3e9f1d204"
down_revision: str | Sequence[str] | None = "d1f4b8e2c6a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as they were at this revision (READ_BY_TEAM and READ_WHOLE in
# services/goals/adapters/orm.py).
BY_TEAM = ["members", "goals", "progress_points", "track_records", "partnerships"]
WHOLE = ["teams", "partnership_members"]


def upgrade() -> None:
    migrate_change_triggers(op, "goals", BY_TEAM, WHOLE)


def downgrade() -> None:
    migrate_change_triggers(op, "goals", BY_TEAM, WHOLE, add=False)
