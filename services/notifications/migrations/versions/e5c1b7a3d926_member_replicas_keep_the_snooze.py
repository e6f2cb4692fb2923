"""member replicas keep the snooze: a snoozed member is told nothing until it ends

A member replicated before this revision has no day: one snoozed then (state `snoozed`) hears
everything, as before this revision, until their next `member.updated` brings the day
(shared.availability), rather than nothing for ever: goals publishes nothing when a snooze
ends.

Revision ID: e5c1b7a3d926
Revises: c4f9a1e7b352
Create Date: 2026-12-06 07:20:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e5c1b7a3d926"
down_revision: str | Sequence[str] | None = "c4f9a1e7b352"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member_views", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snoozed_until", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("member_views", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
