"""sign-in links: invites gain a purpose (invite, or an email sign-in link)

Revision ID: f3a8c61d2b47
Revises: e5b1d7c3a920
Create Date: 2026-12-02 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f3a8c61d2b47"
down_revision: str | Sequence[str] | None = "e5b1d7c3a920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=16), nullable=False,
                                   server_default="invite"))


def downgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.drop_column("purpose")
