"""channel resume_at: a channel's Retry-After holds every message to it until then

Revision ID: b8e2d6f4a1c7
Revises: b8e4d2c6a1f7
Create Date: 2026-12-06 00:35:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b8e2d6f4a1c7"
down_revision: str | Sequence[str] | None = "b8e4d2c6a1f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resume_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_column("resume_at")
