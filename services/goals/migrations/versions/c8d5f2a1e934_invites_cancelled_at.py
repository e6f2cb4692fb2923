"""invites cancelled: a link stops when its member's or its sender's access is revoked

Revision ID: c8d5f2a1e934
Revises: b9e4d2c7a615
Create Date: 2026-12-06 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c8d5f2a1e934"
down_revision: str | Sequence[str] | None = "b9e4d2c7a615"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.drop_column("cancelled_at")
