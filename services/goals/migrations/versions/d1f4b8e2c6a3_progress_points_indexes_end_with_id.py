"""progress points indexes end with id: a track record's newest points come off the index in
order (`at`, then id) even when many points share one `at`

Revision ID: d1f4b8e2c6a3
Revises: b6d0e4f1a711
Create Date: 2026-12-04 01:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d1f4b8e2c6a3"
down_revision: str | Sequence[str] | None = "b6d0e4f1a711"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"ix_progress_points_owner": "owner_id", "ix_progress_points_team": "team_id"}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.drop_index(name, table_name="progress_points")
        op.create_index(name, "progress_points", [column, "at", "id"])


def downgrade() -> None:
    for name, column in INDEXES.items():
        op.drop_index(name, table_name="progress_points")
        op.create_index(name, "progress_points", [column, "at"])
