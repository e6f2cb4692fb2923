"""check-ins parked for their goal: one whose goal is not known yet waits for its copy

Revision ID: c4e8a1d6b372
Revises: a9d3f5b7c210
Create Date: 2026-12-07 15:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c4e8a1d6b372"
down_revision: str | Sequence[str] | None = "a9d3f5b7c210"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("awaited_checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waits_for_goal", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("awaited_checkins", schema=None) as batch_op:
        batch_op.drop_column("waits_for_goal")
