"""outbox wake trigger: on PostgreSQL an insert into the outbox notifies the relay at commit

Revision ID: d9a4c1f6e913
Revises: 5e1a9c3b7d20
Create Date: 2026-12-02 16:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

from shared.messaging_tables import migrate_wake_trigger

# revision identifiers, used by Alembic.
revision: str = "d9a4c1f6e913"
down_revision: str | Sequence[str] | None = "5e1a9c3b7d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    migrate_wake_trigger(op, "notifications")


def downgrade() -> None:
    migrate_wake_trigger(op, "notifications", add=False)
