"""Tables of the checkins database and their imperative mapping."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry

from services.checkins.domain.calendar import CalendarFeed
from services.checkins.domain.checkin import Checkin, Rejection
from services.checkins.domain.partners import (
    PairingPreference,
    PairingRound,
    PairingSchedule,
    Partnership,
)
from services.checkins.domain.replicas import GoalView, MemberView, TeamView
from services.checkins.domain.schedule import GoalSchedule
from services.checkins.domain.social import Comment, Kudos
from shared.db import UtcDateTime, map_once
from shared.idempotency import add_idempotency_table
from shared.messaging_tables import add_messaging_tables

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
add_messaging_tables(metadata, "checkins")

team_views = Table(
    "team_views", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("default_cadence", JSON),
)

member_views = Table(
    "member_views", metadata,
    Column("member_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("state", String(10), nullable=False),
    Column("token_version", Integer, nullable=False),
    Column("working_hours", JSON),
    Column("default_cadence", JSON),
    Column("snoozed_until", String(10)),
)

goal_views = Table(
    "goal_views", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("title", String(200), nullable=False),
    Column("status", String(10), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("metric_unit", String(50)),
    Column("cadence", JSON),
    Column("milestones", JSON, nullable=False),
    Column("start_date", String(10)),
    Column("due_date", String(10)),
)

calendar_feeds = Table(
    "calendar_feeds", metadata,
    Column("member_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("token_hash", String(64), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
)

checkins = Table(
    "checkins", metadata,
    Column("id", String(36), primary_key=True),
    Column("goal_id", String(36), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("value", Float),
    Column("delta", Float),
    Column("note", Text, nullable=False, default=""),
    Column("confidence", Integer),
    Column("blockers", Text, nullable=False, default=""),
    Column("completed_milestones", JSON, nullable=False),
    Column("source", String(20), nullable=False, default="api"),
    Column("request_id", String(64), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime),
)
Index("ix_checkins_goal_created", checkins.c.goal_id, checkins.c.created_at, checkins.c.id)

rejections = Table(
    "rejections", metadata,
    Column("request_id", String(64), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("member_id", String(36), nullable=False),
    Column("reason", Text, nullable=False),
    Column("rejected_at", UtcDateTime, nullable=False, index=True),
)

goal_schedules = Table(
    "goal_schedules", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("owner_id", String(36), nullable=False, index=True),
    Column("active", Boolean, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("reminded", Boolean, nullable=False),
    Column("checked_in", Boolean, nullable=False),
    Column("spell_due_at", UtcDateTime),
    Column("escalation_level", Integer, nullable=False),
    Column("current_streak", Integer, nullable=False),
    Column("longest_streak", Integer, nullable=False),
    Column("last_checkin_at", UtcDateTime),
    Column("next_action_at", UtcDateTime),
)
Index("ix_goal_schedules_next_action", goal_schedules.c.next_action_at)

kudos = Table(
    "kudos", metadata,
    Column("id", String(36), primary_key=True),
    Column("checkin_id", String(36), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("from_id", String(36), nullable=False),
    Column("emoji", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("checkin_id", "from_id", "emoji", name="uq_kudos_once"),
)

comments = Table(
    "comments", metadata,
    Column("id", String(36), primary_key=True),
    Column("checkin_id", String(36), nullable=False),
    Column("team_id", String(36), nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_comments_checkin_created", comments.c.checkin_id, comments.c.created_at, comments.c.id)

partnerships = Table(
    "partnerships", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("member_ids", JSON, nullable=False),
    Column("invited_by", String(36)),
    Column("round_id", String(36)),
    Column("status", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime),
    Column("ended_at", UtcDateTime),
    Column("ended_by", String(36)),
)
Index("ix_partnerships_team_status", partnerships.c.team_id, partnerships.c.status)

pairing_rounds = Table(
    "pairing_rounds", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False),
    Column("number", Integer, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("cooldown", Integer, nullable=False),
    Column("groups", JSON, nullable=False),
    Column("repeats", JSON, nullable=False),
    Column("left_out", JSON, nullable=False),
    Column("note", Text, nullable=False),
    Column("run_by", String(36)),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("team_id", "number", name="uq_pairing_round_number"),
)

pairing_preferences = Table(
    "pairing_preferences", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("member_id", String(36), primary_key=True),
    Column("opted_out", Boolean, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

pairing_schedules = Table(
    "pairing_schedules", metadata,
    Column("team_id", String(36), primary_key=True),
    Column("every_days", Integer, nullable=False),
    Column("cooldown", Integer, nullable=False),
    Column("next_run_at", UtcDateTime, nullable=False, index=True),
)

idempotency_keys = add_idempotency_table(metadata)

MAPPINGS = (
    (TeamView, team_views), (MemberView, member_views), (GoalView, goal_views),
    (Checkin, checkins), (Rejection, rejections), (GoalSchedule, goal_schedules),
    (Kudos, kudos), (Comment, comments),
    (Partnership, partnerships), (PairingRound, pairing_rounds),
    (PairingPreference, pairing_preferences), (PairingSchedule, pairing_schedules),
    (CalendarFeed, calendar_feeds),
)


def start_mappers() -> None:
    map_once(mapper_registry, MAPPINGS)
