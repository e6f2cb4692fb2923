"""outbox wake trigger: on PostgreSQL an insert into the outbox notifies the relay at commit

Revision ID: b6d0e4f1a711
Revises: f3a8c61d2b47
Create Date: 2026-12-02 16:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

from shared.messaging_tables import migrate_wake_trigger

# revision identifiers, used by Alembic.
revision: str = "b6d0e4f1a711"
down_revision: str | Sequence[str] | None = "f3a8c61d2b47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrate_wake_trigger(op, "goals")


def downgrade() -> None:
    migrate_wake_trigger(op, "goals", add=False)
