"""invites indexes member and sender: find a member's unused links without a scan

Revoking, rotating, leaving and stepping down look up the unused links sent to or by a
member; every sign-in adds a row. Each side is indexed with used_at and cancelled_at after it,
so the lookup seeks the member's unused links whatever else the table holds (a full index:
SQLite cannot use a partial one for each side of the OR).

Revision ID: f6b2d8e4a137
Revises: e7a3c9d1f248
Create Date: 2026-12-06 04:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f6b2d8e4a137"
down_revision: str | Sequence[str] | None = "e7a3c9d1f248"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {"ix_invites_member": "member_id", "ix_invites_created_by": "created_by"}


def upgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        for name, column in INDEXES.items():
            batch_op.create_index(name, [column, "used_at", "cancelled_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invites", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
