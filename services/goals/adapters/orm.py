"""Tables of the goals database and their imperative mapping onto the plain domain classes.

A goal's pathways and milestones are frozen values kept as one JSON document (`PathwaysJson`).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import registry

from services.goals.domain.goal import Goal
from services.goals.domain.history import HistoryEntry, ProgressPoint
from services.goals.domain.invites import Invite
from services.goals.domain.members import Member, Team
from services.goals.domain.pathways import Milestone, Pathway
from shared.change_watch import watch_changes
from shared.db import BigId, UtcDateTime, map_once
from shared.idempotency import add_idempotency_table
from shared.messaging_tables import add_messaging_tables


class PathwaysJson(TypeDecorator):
    """tuple[Pathway, ...] <-> a JSON list; frozen values, so a change is a new tuple."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return [_pathway_doc(p) for p in value]

    def process_result_value(self, value, dialect):
        if value is None:
            return ()
        return tuple(_pathway(doc) for doc in value)

    def compare_values(self, x, y) -> bool:
        return x == y


def _pathway_doc(p: Pathway) -> dict:
    return {"id": p.id, "name": p.name, "description": p.description, "active": p.active,
            "switch_reason": p.switch_reason,
            "milestones": [_milestone_doc(m) for m in p.milestones]}


def _milestone_doc(m: Milestone) -> dict:
    return {"id": m.id, "title": m.title, "done": m.done, "done_at": m.done_at,
            "due_date": m.due_date.isoformat() if m.due_date else None,
            "completed_by": list(m.completed_by)}


def _pathway(doc: dict) -> Pathway:
    return Pathway(doc["id"], doc["name"], doc.get("description", ""), doc["active"],
                   tuple(_milestone(m) for m in doc["milestones"]), doc.get("switch_reason", ""))


def _milestone(doc: dict) -> Milestone:
    due = date.fromisoformat(doc["due_date"]) if doc.get("due_date") else None
    return Milestone(doc["id"], doc["title"], due, doc["done"], doc.get("done_at"),
                     tuple(doc.get("completed_by", ())))


metadata = MetaData()
mapper_registry = registry(metadata=metadata)
add_messaging_tables(metadata, "goals")
idempotency_keys = add_idempotency_table(metadata)

teams = Table(
    "teams", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("require_smart", Boolean, nullable=False, default=False),
    Column("default_cadence", JSON),
    Column("created_at", UtcDateTime),
)

members = Table(
    "members", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), ForeignKey("teams.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=False),
    Column("role", String(10), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("slack_user_id", String(64)),
    Column("state", String(10), nullable=False, default="active"),
    Column("token_version", Integer, nullable=False, default=1),
    Column("working_hours", JSON),
    Column("default_cadence", JSON),
    Column("snoozed_until", Date),
)
Index("uq_members_team_email", members.c.team_id, members.c.email, unique=True)
# One member per Slack user in a team: Slack commands and the App Home act for that member.
Index("uq_members_team_slack_user", members.c.team_id, members.c.slack_user_id, unique=True,
      postgresql_where=members.c.slack_user_id.isnot(None),
      sqlite_where=members.c.slack_user_id.isnot(None))
# The snoozed members, by the day their snooze runs through: the wake job reads only those.
Index("ix_members_snoozed_until", members.c.snoozed_until, members.c.id,
      postgresql_where=members.c.state == "snoozed", sqlite_where=members.c.state == "snoozed")

goals = Table(
    "goals", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), ForeignKey("teams.id"), nullable=False),
    Column("owner_id", String(36), ForeignKey("members.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("why", Text, nullable=False, default=""),
    Column("kind", String(10), nullable=False, default="personal"),
    Column("visibility", String(10), nullable=False, default="team"),
    Column("status", String(10), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("horizon", String(10), nullable=False),
    Column("parent_id", String(36), ForeignKey("goals.id")),
    Column("parent_weight", Float, nullable=False, default=1.0),
    Column("metric_unit", String(50)),
    Column("metric_start", Float),
    Column("metric_target", Float),
    Column("metric_current", Float),
    Column("metric_direction", String(10)),
    Column("figure_checkin_id", String(36)),
    Column("figure_at", UtcDateTime),
    Column("cadence", JSON),
    Column("pathways", PathwaysJson, nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
    Column("rollup_progress", Float),
    Column("health", String(12)),
    Column("expected", Float),
    Column("days_of_safety", Float),
    Column("next_health_check_at", UtcDateTime),
    Column("outcome", String(10)),
    Column("retrospective", Text, nullable=False, default=""),
    Column("replaced_by", String(36)),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_goals_team_due", goals.c.team_id, goals.c.due_date, goals.c.id)
Index("ix_goals_team_created", goals.c.team_id, goals.c.created_at, goals.c.id)
Index("ix_goals_parent", goals.c.parent_id)
Index("ix_goals_owner", goals.c.owner_id)
Index("ix_goals_next_health_check", goals.c.next_health_check_at)

goal_history = Table(
    "goal_history", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("goal_id", String(36), ForeignKey("goals.id"), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_id", String(36)),
    Column("action", String(40), nullable=False),
    Column("changes", JSON, nullable=False),
)
Index("ix_goal_history_goal", goal_history.c.goal_id, goal_history.c.id)

progress_points = Table(
    "progress_points", metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("goal_id", String(36), ForeignKey("goals.id"), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("owner_id", String(36), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("progress", Float, nullable=False),
)
# Ending with id, so a track record's newest points (`at` then id, descending) are read off
# the index in order even when many share one `at`, instead of sorting the whole history.
Index("ix_progress_points_owner", progress_points.c.owner_id, progress_points.c.at,
      progress_points.c.id)
Index("ix_progress_points_team", progress_points.c.team_id, progress_points.c.at,
      progress_points.c.id)

# Each member's and each team's (owner_id "") shown rate per recent goal, {goal_id: share per
# week}: refreshed when progress points are written, so reading a goal never scans the points.
track_records = Table(
    "track_records", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("owner_id", String(36), primary_key=True),
    Column("rates", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

partnerships = Table(
    "partnerships", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
)

partnership_members = Table(
    "partnership_members", metadata,
    Column("partnership_id", String(36), ForeignKey("partnerships.id"), primary_key=True),
    Column("member_id", String(36), primary_key=True),
)
Index("ix_partnership_members_member", partnership_members.c.member_id)


invites = Table(
    "invites", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), ForeignKey("teams.id"), nullable=False),
    Column("member_id", String(36), ForeignKey("members.id"), nullable=False),
    Column("created_by", String(36), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("purpose", String(16), nullable=False, server_default="invite"),
    Column("cancelled_at", UtcDateTime),
)
# A member's unused links, sent to them or by them (`Invites.unused_of`): every sign-in adds a
# row, so the lookup seeks the member's links not used or cancelled, whatever the rest hold.
Index("ix_invites_member", invites.c.member_id, invites.c.used_at, invites.c.cancelled_at)
Index("ix_invites_created_by", invites.c.created_by, invites.c.used_at, invites.c.cancelled_at)
# The links spent before a day (`Invites.purge_spent`: used, cancelled or expired then), a
# time at a time. Used and cancelled times are indexed where set, so a lookup of the links
# still unused (`IS NULL`) keeps to the member's indexes above.
Index("ix_invites_used_at", invites.c.used_at, postgresql_where=invites.c.used_at.is_not(None),
      sqlite_where=invites.c.used_at.is_not(None))
Index("ix_invites_cancelled_at", invites.c.cancelled_at,
      postgresql_where=invites.c.cancelled_at.is_not(None),
      sqlite_where=invites.c.cancelled_at.is_not(None))
Index("ix_invites_expires_at", invites.c.expires_at)


# The tables a goal read is made of (the goal, its owner's standing, track records and partners):
# a change to any of them drops what the web processes keep of that team (shared.read_cache).
READ_BY_TEAM = (members, goals, progress_points, track_records, partnerships)
READ_WHOLE = (teams, partnership_members)  # no team_id column: a change drops every team's
watch_changes("goals", READ_BY_TEAM, READ_WHOLE)


MAPPINGS = ((Team, teams), (Member, members), (Goal, goals), (HistoryEntry, goal_history),
            (ProgressPoint, progress_points), (Invite, invites))


def start_mappers() -> None:
    map_once(mapper_registry, MAPPINGS)
