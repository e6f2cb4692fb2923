"""Tables of the notifications database and their imperative mapping."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import registry

from services.notifications.domain.model import (
    Channel,
    DeliveryAttempt,
    GoalView,
    MemberView,
    Notification,
)
from shared.db import UtcDateTime
from shared.plumbing import add_plumbing

metadata = MetaData()
mapper_registry = registry(metadata=metadata)
add_plumbing(metadata)

channels = Table(
    "channels", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("type", String(20), nullable=False),
    Column("name", String(100), nullable=False),
    Column("url", Text, nullable=False),
    Column("event_types", Text, nullable=False, default=""),
    Column("state", String(10), nullable=False),
    Column("disabled_reason", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_sent_at", UtcDateTime),
)

notifications = Table(
    "notifications", metadata,
    Column("id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("channel_id", String(36), ForeignKey("channels.id")),
    Column("recipient_id", String(36)),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    UniqueConstraint("event_id", "channel_id", "recipient_id", name="uq_notification_per_target"),
)
Index("ix_notifications_due", notifications.c.status, notifications.c.next_attempt_at)

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", String(36), primary_key=True),
    Column("notification_id", String(36), ForeignKey("notifications.id"), nullable=False,
           index=True),
    Column("channel_id", String(36)),
    Column("at", UtcDateTime, nullable=False),
    Column("status_code", Integer),
    Column("outcome", String(10), nullable=False),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False, default=0),
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
    Column("slack_user_id", String(64), index=True),
)

goal_views = Table(
    "goal_views", metadata,
    Column("goal_id", String(36), primary_key=True),
    Column("team_id", String(36), nullable=False, index=True),
    Column("owner_id", String(36), nullable=False),
    Column("title", String(200), nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("progress", Float, nullable=False, default=0.0),
)


def start_mappers() -> None:
    if getattr(start_mappers, "done", False):
        return
    mapper_registry.map_imperatively(Channel, channels)
    mapper_registry.map_imperatively(Notification, notifications)
    mapper_registry.map_imperatively(DeliveryAttempt, delivery_attempts)
    mapper_registry.map_imperatively(MemberView, member_views)
    mapper_registry.map_imperatively(GoalView, goal_views)
    start_mappers.done = True
