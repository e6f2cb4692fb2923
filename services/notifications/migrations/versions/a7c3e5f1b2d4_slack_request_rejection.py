"""slack request rejection: why checkins refused a check-in asked for from Slack

A check-in from the Slack modal has no response_url to answer on; its refusal is DMed to the
member by a Slack task, which reads the reason from here.

Revision ID: a7c3e5f1b2d4
Revises: f4b2c7d9e018
Create Date: 2026-12-05 22:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a7c3e5f1b2d4"
down_revision: str | Sequence[str] | None = "f4b2c7d9e018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejection", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_requests", schema=None) as batch_op:
        batch_op.drop_column("rejection")
