"""slack user ids told to the replicas: member.updated for members c4e9a2d7f105 may have changed

c4e9a2d7f105 spelled members' Slack user ids as Slack writes them, and cleared those a
teammate keeps, without an event; notifications' c1f5b8e2d734 applied the same rule to its
own copy, which may lag (a member.added not consumed at the deploy): Ana's "u123" alone there
was upper-cased, then Ben's "U123" came, and Slack's U123 named Ana in notifications while
goals gives it to Ben. Goals decides: each member it may have changed is told, as it is now,
in a member.updated written to the outbox (after any event written before), and the
replicas, whose copy is an upsert of the latest state, end as goals' members are.

Which members were changed is not kept, so every member of a team where one names a Slack
user is told (a cleared id is null like one never given; telling a member as they are is
harmless). Teams where nobody names one had nothing to change. The members are read locked:
one changed meanwhile by the code before (a rolling deploy) is read as its commit left it, so
its own event, written to the outbox before ours, is not followed by an older state.

Revision ID: d6a3f8c1e527
Revises: c4e9a2d7f105
Create Date: 2026-12-08 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.outbox import publish_from_migration

# revision identifiers, used by Alembic.
revision: str = "d6a3f8c1e527"
down_revision: str | Sequence[str] | None = "c4e9a2d7f105"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEMBERS = sa.table(
    "members", sa.column("id"), sa.column("team_id"), sa.column("name"), sa.column("email"),
    sa.column("role"), sa.column("timezone"), sa.column("slack_user_id"), sa.column("state"),
    sa.column("token_version"), sa.column("working_hours", sa.JSON),
    sa.column("default_cadence", sa.JSON), sa.column("snoozed_until", sa.Date))


def as_event_data(member: sa.RowMapping) -> dict:
    """A member's state as goals' member events carry it (`MemberData`)."""
    snoozed_until = member["snoozed_until"]
    return {
        "team_id": member["team_id"], "member_id": member["id"], "name": member["name"],
        "email": member["email"], "role": member["role"], "timezone": member["timezone"],
        "slack_user_id": member["slack_user_id"], "state": member["state"],
        "token_version": member["token_version"], "working_hours": member["working_hours"],
        "default_cadence": member["default_cadence"],
        "snoozed_until": snoozed_until.isoformat() if snoozed_until else None,
    }


def upgrade() -> None:
    naming = sa.select(MEMBERS.c.team_id).where(MEMBERS.c.slack_user_id.is_not(None))
    told = op.get_bind().execute(sa.select(MEMBERS).where(MEMBERS.c.team_id.in_(naming))
                                 .order_by(MEMBERS.c.team_id, MEMBERS.c.id)
                                 .with_for_update()).mappings()
    publish_from_migration(op.get_bind(), "goals", [
        ("member.updated", m["team_id"], as_event_data(m), m["id"]) for m in told])


def downgrade() -> None:
    """The events told the state members had: nothing to undo."""
