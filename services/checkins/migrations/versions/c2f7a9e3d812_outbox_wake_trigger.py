"""outbox wake trigger: on PostgreSQL an insert into the outbox notifies the relay at commit

Revision ID: c2f7a9e3d812
Revises: d4a7c2e9f105
Create Date: 2026-12-02 16:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

from shared.messaging_tables import migrate_wake_trigger

# revision identifiers, used by Alembic.
revision: str = "c2f7a9e3d812"
down_revision: str | Sequence[str] | None = "d4a7c2e9f105"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrate_wake_trigger(op, "checkins")


def downgrade() -> None:
    migrate_wake_trigger(op, "checkins", add=False)
