"""invites indexes spent: the link purge finds spent links without a scan

The link-retention job deletes the links used, cancelled or expired before a day, hourly, in
batches, a time at a time; with no index on those times each batch read the whole table. Each
time is indexed; used_at and cancelled_at only where set (most links are unused), so SQLite's
planner does not take them for a lookup of unused links (`IS NULL`), which f6b2d8e4a137's
indexes serve.

Revision ID: a2c7e5f9b318
Revises: f6b2d8e4a137
Create Date: 2026-12-06 07:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a2c7e5f9b318"
down_revision: str | Sequence[str] | None = "f6b2d8e4a137"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SET_ONLY = ("used_at", "cancelled_at")


def upgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        for column in SET_ONLY:
            where = sa.text(f"{column} IS NOT NULL")
            batch_op.create_index(f"ix_invites_{column}", [column], unique=False,
                                  postgresql_where=where, sqlite_where=where)
        batch_op.create_index("ix_invites_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        batch_op.drop_index("ix_invites_expires_at")
        for column in SET_ONLY:
            batch_op.drop_index(f"ix_invites_{column}")
