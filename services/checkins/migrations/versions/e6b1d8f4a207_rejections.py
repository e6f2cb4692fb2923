"""rejections: check-in requests refused, kept by request id so a repeat is answered once

Revision ID: e6b1d8f4a207
Revises: c2f7a9e3d812
Create Date: 2026-12-06 04:10:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e6b1d8f4a207"
down_revision: str | Sequence[str] | None = "c2f7a9e3d812"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rejections",
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rejected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("request_id"),
    )


def downgrade() -> None:
    op.drop_table("rejections")
