"""Tables of the checkins database and their imperative mapping."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.orm import registry

from services.checkins.domain.model import Checkin, GoalView, MemberView
from shared.db import UtcDateTime
from shared.plumbing import add_plumbing

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
add_plumbing(metadata)

member_views = Table(
    "member_views", metadata,
    Column("member_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("role", String(10), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("state", String(10), nullable=False),
    Column("token_version", Integer, nullable=False),
    Column("slack_user_id", String(64)),
)

goal_views = Table(
    "goal_views", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("owner_id", String(36), nullable=False),
    Column("title", String(200), nullable=False),
    Column("status", String(10), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("metric_unit", String(50)),
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
    Column("source", String(20), nullable=False, default="api"),
    Column("request_id", String(64), unique=True),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_checkins_goal_created", checkins.c.goal_id, checkins.c.created_at, checkins.c.id)


def start_mappers() -> None:
    if getattr(start_mappers, "done", False):
        return
    mapper_registry.map_imperatively(MemberView, member_views)
    mapper_registry.map_imperatively(GoalView, goal_views)
    mapper_registry.map_imperatively(Checkin, checkins)
    start_mappers.done = True
