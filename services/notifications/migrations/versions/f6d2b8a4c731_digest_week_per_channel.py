"""the team digest's week per channel: each channel is told from where it was last told

The week a team digest tells was kept per team (`digest_settings.last_since`, which meant where
a sent digest's week began, where a chain of unsent ones began, or the slot itself after one
with nothing to tell): a channel whose copy was superseded while another channel got it never
heard of that week. Each channel taking digests now has its `digest_channel_weeks` row:
`told_through` (the end of the last period it was told of), and the period its copy of the
team's last digest tells (`since`, worded `period` as it was made).

Carried over, so that no channel's next digest loses or repeats a week of what the code before
would tell it: every channel the team had when its last digest was made is told through where
the code before would have told from had no copy been sent (`last_since`, or `last_slot` when
there is none: the code before read such a digest as told); a copy of that digest sent counts
when the next digest is made, as it does now. A channel with a copy of the last digest keeps
the period it tells (`last_since`, or the week before its slot when there is none, as the
code before read it), titled as the code before titled it (`_words_before`: in the team's zone
now); so does one connected after the slot but before the digest was made (the code before
queued a copy to each channel active as the job ran, up to its grace after the slot). Other
channels made since get no row: their first digest tells one week.

Revision ID: f6d2b8a4c731
Revises: e8c4a2f6b913
Create Date: 2026-12-08 01:10:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from services.notifications.domain.schedule import latest_slot
from shared.db import UtcDateTime

REACH = timedelta(weeks=8, days=1)
"""`domain.digest.LAST_DIGEST_REACH` at this revision."""

# revision identifiers, used by Alembic.
revision: str = "f6d2b8a4c731"
down_revision: str | Sequence[str] | None = "e8c4a2f6b913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

settings = sa.table("digest_settings", sa.column("team_id", sa.String),
                    sa.column("weekday", sa.Integer), sa.column("hour", sa.Integer),
                    sa.column("last_slot", UtcDateTime), sa.column("last_since", UtcDateTime))
weeks = sa.table("digest_channel_weeks", sa.column("team_id", sa.String),
                 sa.column("channel_id", sa.String), sa.column("told_through", UtcDateTime),
                 sa.column("since", UtcDateTime), sa.column("period", sa.Text))
channels = sa.table("channels", sa.column("id", sa.String), sa.column("team_id", sa.String),
                    sa.column("state", sa.String), sa.column("created_at", UtcDateTime))
notifications = sa.table("notifications", sa.column("team_id", sa.String),
                         sa.column("channel_id", sa.String), sa.column("event_id", sa.String),
                         sa.column("event_type", sa.String),
                         sa.column("created_at", UtcDateTime))
teams = sa.table("team_views", sa.column("team_id", sa.String),
                 sa.column("timezone", sa.String))


def _words_before(since: datetime, slot: datetime, timezone: str) -> str | None:
    """How the code before titled a digest of `slot` telling from `since` (`period_words`
    then, in the team's zone at the retry)."""
    start, end = since.astimezone(ZoneInfo(timezone)), slot.astimezone(ZoneInfo(timezone))
    week = timedelta(weeks=1)
    if end.date() - start.date() == week or abs(slot - since - week) <= timedelta(hours=2):
        return None
    year = f" {start.year}" if start.year != end.year else ""
    return f"since {start:%A} {start.day} {start:%B}{year}"


def _copied(bind, team_id: str, slot: datetime) -> set[str]:
    """The channels with a copy of the team's digest of `slot` (`jobs.is_digest_of`)."""
    current = f"digest.team:{team_id}:{slot.astimezone(UTC).isoformat()}"
    before = f"digest.team:{team_id}:{slot.astimezone(UTC).date().isoformat()}"
    rows = bind.execute(sa.select(notifications.c.channel_id, notifications.c.event_id,
                                  notifications.c.created_at).where(
        notifications.c.team_id == team_id, notifications.c.event_type == "digest.team",
        notifications.c.channel_id.is_not(None),
        notifications.c.event_id.in_([current, before]))).all()
    return {channel for channel, event_id, at in rows
            if event_id == current or at >= slot}


def upgrade() -> None:
    op.create_table(
        "digest_channel_weeks",
        sa.Column("team_id", sa.String(length=36), nullable=False),
        sa.Column("channel_id", sa.String(length=36), nullable=False),
        sa.Column("told_through", sa.DateTime(timezone=True), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("team_id", "channel_id"),
    )
    bind = op.get_bind()
    zones = dict(bind.execute(sa.select(teams.c.team_id, teams.c.timezone)).all())
    made = bind.execute(sa.select(settings.c.team_id, settings.c.last_slot,
                                  settings.c.last_since, settings.c.hour, settings.c.weekday)
                        .where(settings.c.last_slot.is_not(None))).all()
    for team_id, slot, since, hour, weekday in made:
        copied = _copied(bind, team_id, slot)
        zone = zones.get(team_id) or "UTC"
        told_from = since or slot
        copy_since = since or latest_slot(slot - timedelta(microseconds=1), zone, hour, weekday)
        period = _words_before(copy_since, slot, zone)
        had = bind.execute(sa.select(channels.c.id).where(
            channels.c.team_id == team_id, channels.c.state != "deleted",
            sa.or_(channels.c.created_at <= slot, channels.c.id.in_(copied)))).scalars().all()
        for channel_id in had:
            copy = channel_id in copied
            bind.execute(weeks.insert().values(
                team_id=team_id, channel_id=channel_id, told_through=told_from,
                since=copy_since if copy else None, period=period if copy else None))
    with op.batch_alter_table("digest_settings", schema=None) as batch_op:
        batch_op.drop_column("last_since")


def downgrade() -> None:
    """The code before keeps one week per team: the earliest of where the copies of the last
    digest begin and where the channels' untold periods begin before its slot (so a retry
    or a channel that got no copy, disabled, repeats rather than loses; a sent copy counts
    when the next digest is made, so its channel is not told twice), else the last slot
    (read as told). Not counted: deleted channels (their rows are read by nothing) and
    untold periods beginning beyond the digest's reach (`REACH`: such a channel's next
    digest tells one week anyway), either of which would make every channel's retried copy
    tell weeks, or months, again."""
    with op.batch_alter_table("digest_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_since", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    made = bind.execute(sa.select(settings.c.team_id, settings.c.last_slot)
                        .where(settings.c.last_slot.is_not(None))).all()
    for team_id, slot in made:
        kept = bind.execute(
            sa.select(weeks.c.since, weeks.c.told_through)
            .join(channels, channels.c.id == weeks.c.channel_id)
            .where(weeks.c.team_id == team_id, channels.c.state != "deleted")).all()
        copies = [since for since, _ in kept if since is not None]
        told = [through for _, through in kept
                if through is not None and slot - REACH <= through < slot]
        since = min(copies + told, default=slot)
        bind.execute(settings.update().where(settings.c.team_id == team_id)
                     .values(last_since=since))
    op.drop_table("digest_channel_weeks")
