"""slack requests keep the answer DMed to their member once their response_url expired

Revision ID: b7d2e9c4a613
Revises: e1b6c4a8d352
Create Date: 2026-12-07 19:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b7d2e9c4a613"
down_revision: str | Sequence[str] | None = "e1b6c4a8d352"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.drop_column("answer")
