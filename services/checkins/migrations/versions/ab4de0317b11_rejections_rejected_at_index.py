"""rejections rejected_at index: the purge finds the rejections past the kept day cheaply

Revision ID: ab4de0317b11
Revises: e6b1d8f4a207
Create Date: 2026-12-06 17:20:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "ab4de0317b11"
down_revision: str | Sequence[str] | None = "e6b1d8f4a207"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rejections_rejected_at"), ["rejected_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rejections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejections_rejected_at"))
