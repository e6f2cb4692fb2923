"""goals figure checkin: which check-in logged a goal's figure last

A check-in's corrected value sets the figure only while no check-in has logged one since,
even the same figure (`Lifecycle.correct_checkin`). Goals whose figure was logged before this
column have none: their correction goes by the figure alone, as before.

Revision ID: b3f7d1a9e562
Revises: a4d9e2b7c815
Create Date: 2026-12-07 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b3f7d1a9e562"
down_revision: str | Sequence[str] | None = "a4d9e2b7c815"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.add_column(sa.Column("figure_checkin_id", sa.String(36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("goals") as batch:
        batch.drop_column("figure_checkin_id")
