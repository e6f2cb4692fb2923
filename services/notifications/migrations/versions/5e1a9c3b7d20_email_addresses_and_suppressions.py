"""email: members' addresses in the member read model, and the addresses mail no longer goes
to (refused or bounced, or unsubscribed)

Revision ID: 5e1a9c3b7d20
Revises: 7af7d1455c43
Create Date: 2026-12-02 05:05:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "5e1a9c3b7d20"
down_revision: str | Sequence[str] | None = "7af7d1455c43"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_suppressions",
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("member_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )
    with op.batch_alter_table("email_suppressions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_suppressions_member_id"), ["member_id"],
                              unique=False)
    with op.batch_alter_table("member_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_views", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("email_suppressions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_suppressions_member_id"))
    op.drop_table("email_suppressions")
