"""kudos emoji in full: ❤ and ❤️ given before are one emoji, as kudos given since are

Kudos now store each emoji as Unicode's fully-qualified form writes it
(`services.checkins.domain.emoji.fully_qualified`). Rows given before are written so too, once
here, rather than each read folding them: the unique key (check-in, giver, emoji) and the
count by emoji then hold for old and new rows alike. A teammate who gave one emoji both ways
keeps the kudos given first.

Revision ID: f3c8e1a5b290
Revises: ab4de0317b11
Create Date: 2026-12-07 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.checkins.domain.emoji import fully_qualified

# revision identifiers, used by Alembic.
revision: str = "f3c8e1a5b290"
down_revision: str | Sequence[str] | None = "ab4de0317b11"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

kudos = sa.table("kudos", sa.column("id"), sa.column("checkin_id"), sa.column("from_id"),
                 sa.column("emoji"), sa.column("created_at"))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(kudos.c.id, kudos.c.checkin_id, kudos.c.from_id,
                                  kudos.c.emoji).where(kudos.c.emoji.not_like(":%"))
                        .order_by(kudos.c.created_at, kudos.c.id)).all()
    first: dict[tuple[str, str, str], str] = {}
    repeated, rewritten = [], []
    for kudos_id, checkin_id, from_id, emoji in rows:
        in_full = fully_qualified(emoji)
        if first.setdefault((checkin_id, from_id, in_full), kudos_id) != kudos_id:
            repeated.append(kudos_id)
        elif in_full != emoji:
            rewritten.append({"kudos_id": kudos_id, "in_full": in_full})
    if repeated:
        bind.execute(kudos.delete().where(kudos.c.id.in_(repeated)))
    if rewritten:
        bind.execute(kudos.update().where(kudos.c.id == sa.bindparam("kudos_id"))
                     .values(emoji=sa.bindparam("in_full")), rewritten)


def downgrade() -> None:
    """Emoji written in full are emoji the code before took as well: nothing to undo."""
