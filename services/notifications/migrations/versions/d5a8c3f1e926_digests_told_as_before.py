"""digests told as before: a last digest that queued no message is read as told

Since this revision a team's last digest is told only when a channel got it, or when it
needed none (`DigestSettings.told_nothing` stores its slot as `last_since`); one that reached
no channel passes its week on to the next digest (`untold_from`). The code before stored a
digest with nothing to tell, or with no channel to go to, as made(since, slot): read now, its
week would be told again by the team's next digest, titled "Digest since ...". Such rows
(a last digest with no message of the team's digests made since its slot) are read as the
code before read them: told, the next digest telling from their slot; but for a team whose
channels are all disabled (or deleted) now, one at least disabled: its digest was likely made
while they were, and its week goes to the next digest, as this revision's code does.

Revision ID: d5a8c3f1e926
Revises: c1f5b8e2d734
Create Date: 2026-12-07 22:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d5a8c3f1e926"
down_revision: str | Sequence[str] | None = "c1f5b8e2d734"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        "UPDATE digest_settings SET last_since = last_slot "
        "WHERE last_slot IS NOT NULL AND NOT EXISTS ("
        " SELECT 1 FROM notifications n WHERE n.team_id = digest_settings.team_id"
        " AND n.event_type = 'digest.team' AND n.created_at >= digest_settings.last_slot)"
        " AND (EXISTS (SELECT 1 FROM channels c WHERE c.team_id = digest_settings.team_id"
        "  AND c.state = 'active')"
        " OR NOT EXISTS (SELECT 1 FROM channels c WHERE c.team_id = digest_settings.team_id"
        "  AND c.state = 'disabled'))")


def downgrade() -> None:
    """The code before reads such rows as told already: nothing to undo."""
