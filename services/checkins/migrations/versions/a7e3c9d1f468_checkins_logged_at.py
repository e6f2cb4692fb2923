"""checkins logged_at: when a check-in was logged here, beside when it was made

A check-in from Slack is dated when its member sent it (`created_at`), which an outage can put
well before it is logged; the list's `changed_at` reads `logged_at`, so a check-in logged late
behind a newer one still changes it. Rows logged before were logged when they were made.

Revision ID: a7e3c9d1f468
Revises: f3c8e1a5b290
Create Date: 2026-12-07 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

# revision identifiers, used by Alembic.
revision: str = "a7e3c9d1f468"
down_revision: str | Sequence[str] | None = "f3c8e1a5b290"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logged_at", UtcDateTime(), nullable=True))
    op.execute("UPDATE checkins SET logged_at = created_at")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.alter_column("logged_at", existing_type=UtcDateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("logged_at")
