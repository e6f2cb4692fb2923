"""awaited check-ins: the job reads two ranges of (waits_for_goal, created_at), not created_at

The awaited check-ins job reads those waiting for their figure past the wait, and those parked
for their goal past three days; a parked check-in is taken when its goal's copy comes, so the
job no longer walks the parked ones in between.

Revision ID: e1b6c4a8d352
Revises: d8f3a6c2e417
Create Date: 2026-12-07 18:30:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e1b6c4a8d352"
down_revision: str | Sequence[str] | None = "d8f3a6c2e417"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("awaited_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_awaited_checkins_due", ["waits_for_goal", "created_at"],
                              unique=False)
        batch_op.drop_index("ix_awaited_checkins_created_at")


def downgrade() -> None:
    with op.batch_alter_table("awaited_checkins", schema=None) as batch_op:
        batch_op.create_index("ix_awaited_checkins_created_at", ["created_at"], unique=False)
        batch_op.drop_index("ix_awaited_checkins_due")
