"""members snoozed index: the wake job reads the snoozed members by their day

The worker wakes every member whose snooze has ended (services/goals/service_layer/jobs.py
`wake_ended_snoozes`); it reads only the snoozed members, by `snoozed_until` then id.

Revision ID: a4d9e2b7c815
Revises: c5e8a1d4f702
Create Date: 2026-12-06 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a4d9e2b7c815"
down_revision: str | Sequence[str] | None = "c5e8a1d4f702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SNOOZED = sa.text("state = 'snoozed'")


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index("ix_members_snoozed_until", ["snoozed_until", "id"],
                              postgresql_where=SNOOZED, sqlite_where=SNOOZED)


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index("ix_members_snoozed_until", postgresql_where=SNOOZED,
                            sqlite_where=SNOOZED)
