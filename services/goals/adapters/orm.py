"""Tables of the goals database and their imperative mapping onto the plain domain classes."""

from __future__ import annotations

from sqlalchemy import (
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
)
from sqlalchemy.orm import composite, registry

from services.goals.domain.model import Goal, Member, Metric, Team
from shared.db import UtcDateTime
from shared.plumbing import add_plumbing

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
add_plumbing(metadata)

teams = Table(
    "teams", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("require_smart", Boolean, nullable=False, default=False),
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
)
Index("uq_members_team_email", members.c.team_id, members.c.email, unique=True)

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
    Column("start_date", Date, nullable=False),
    Column("due_date", Date),
    Column("parent_id", String(36), ForeignKey("goals.id")),
    Column("metric_unit", String(50)),
    Column("metric_start", Float),
    Column("metric_target", Float),
    Column("metric_current", Float),
    Column("metric_direction", String(10)),
    Column("version", Integer, nullable=False, default=1),
)
Index("ix_goals_team_id", goals.c.team_id, goals.c.id)


def start_mappers() -> None:
    if getattr(start_mappers, "done", False):
        return
    mapper_registry.map_imperatively(Team, teams)
    mapper_registry.map_imperatively(Member, members)
    mapper_registry.map_imperatively(
        Goal, goals,
        properties={
            "metric": composite(
                Metric, goals.c.metric_unit, goals.c.metric_start, goals.c.metric_target,
                goals.c.metric_current, goals.c.metric_direction,
            ),
        },
    )
    start_mappers.done = True
