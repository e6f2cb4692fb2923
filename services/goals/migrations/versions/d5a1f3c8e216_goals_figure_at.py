"""goals figure at: when a goal's latest value was given

A goal keeps the figure its check-ins' history gives by the moment each was made (`at`),
whatever order they arrive in: a check-in made before `figure_at` (the latest value given by a
check-in, or typed by a lead) leaves the figure as it is (`Lifecycle.log_checkin`). Goals whose
figure was logged before this column have none: their next value sets the figure as before,
and its moment.

Revision ID: d5a1f3c8e216
Revises: d6a3f8c1e527
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d5a1f3c8e216"
down_revision: str | Sequence[str] | None = "d6a3f8c1e527"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.add_column(sa.Column("figure_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.drop_column("figure_at")
