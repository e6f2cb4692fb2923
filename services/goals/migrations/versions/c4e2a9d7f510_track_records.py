"""track records: each member's and team's shown rate per recent goal, kept on write

Revision ID: c4e2a9d7f510
Revises: a7c1e0b2d301
Create Date: 2026-12-02 05:10:00.000000

Existing databases start without rows: a read then computes the record from the progress
points as before, until the next progress on the owner's or team's goals stores it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c4e2a9d7f510"
down_revision: str | Sequence[str] | None = "a7c1e0b2d301"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "track_records",
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("owner_id", sa.String(length=36), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "owner_id"),
    )


def downgrade() -> None:
    op.drop_table("track_records")
