"""the team digest keeps the week it told: one made again as it leaves tells the same week

Revision ID: d8f3a6c2e417
Revises: c4e8a1d6b372
Create Date: 2026-12-07 16:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d8f3a6c2e417"
down_revision: str | Sequence[str] | None = "c4e8a1d6b372"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digest_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_settings", schema=None) as batch_op:
        batch_op.drop_column("last_since")
