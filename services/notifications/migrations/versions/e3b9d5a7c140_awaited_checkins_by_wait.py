"""awaited check-ins by what they wait for and since when: the job's tick walks no parked row

Revision ID: e3b9d5a7c140
Revises: d8f3a6c2e417
Create Date: 2026-12-07 16:40:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e3b9d5a7c140"
down_revision: str | Sequence[str] | None = "d8f3a6c2e417"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("awaited_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_awaited_checkins_waiting", ["waits_for_goal", "created_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("awaited_checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_awaited_checkins_waiting")
