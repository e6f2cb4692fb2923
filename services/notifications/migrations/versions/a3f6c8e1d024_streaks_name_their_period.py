"""streaks name their period: a streak's replica and its digest activity keep the frequency

`streak.reached` now names the frequency of the goal's applied cadence (what one period of the
streak is), and the App Home and the team digest word a streak by it ("3 weeks"). A row
written before this revision has none (NULL) and reads in check-ins, as before.

Revision ID: a3f6c8e1d024
Revises: e5c1b7a3d926
Create Date: 2026-12-06 14:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a3f6c8e1d024"
down_revision: str | Sequence[str] | None = "e5c1b7a3d926"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("streaks", "activity")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("frequency", sa.String(length=10), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("frequency")
