"""notification claims: a claimed message is its worker's until `claimed_until`

A claim used to show only as a `next_attempt_at` pushed out by the lease, which a waiting burst
row can also have, so another worker's burst could merge a message still being posted.

Revision ID: f4b2c7d9e018
Revises: b3d8f2a6c915
Create Date: 2026-12-05 18:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f4b2c7d9e018"
down_revision: str | Sequence[str] | None = "b3d8f2a6c915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
