"""link tickets keep who used them: the member a Slack link ticket linked

That member sending the ticket again is answered as the first time (the link is made) instead
of being told the link is used; anyone else still is. A ticket used before this revision names
no one (NULL) and is refused as used, as before.

Revision ID: d5b1e8a4c273
Revises: a3f6c8e1d024
Create Date: 2026-12-06 18:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d5b1e8a4c273"
down_revision: str | Sequence[str] | None = "a3f6c8e1d024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_link_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("used_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_link_tickets", schema=None) as batch_op:
        batch_op.drop_column("used_by")
