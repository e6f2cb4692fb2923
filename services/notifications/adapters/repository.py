"""Repositories of the notifications service."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications.domain.model import (
    Channel,
    DeliveryAttempt,
    GoalView,
    MemberView,
    Notification,
)


class Channels:
    def __init__(self, session: Session):
        self.session = session

    def add(self, channel: Channel) -> None:
        self.session.add(channel)

    def get(self, team_id: str, channel_id: str) -> Channel | None:
        channel = self.session.get(Channel, channel_id)
        return channel if channel is not None and channel.team_id == team_id else None

    def active_for(self, team_id: str) -> list[Channel]:
        return list(self.session.scalars(
            select(Channel).where(Channel.team_id == team_id, Channel.state == "active")
            .order_by(Channel.created_at)
        ))

    def for_team(self, team_id: str) -> list[Channel]:
        return list(self.session.scalars(
            select(Channel).where(Channel.team_id == team_id).order_by(Channel.created_at)
        ))


class Notifications:
    def __init__(self, session: Session):
        self.session = session

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    def exists(self, event_id: str, channel_id: str | None, recipient_id: str | None) -> bool:
        query = select(Notification.id).where(Notification.event_id == event_id)
        query = query.where(Notification.channel_id.is_(None) if channel_id is None
                            else Notification.channel_id == channel_id)
        query = query.where(Notification.recipient_id.is_(None) if recipient_id is None
                            else Notification.recipient_id == recipient_id)
        return self.session.execute(query.limit(1)).first() is not None

    def due(self, now: datetime, limit: int) -> list[Notification]:
        query = (
            select(Notification)
            .where(Notification.status == "pending", Notification.channel_id.is_not(None),
                   Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def for_team(self, team_id: str, limit: int) -> list[Notification]:
        return list(self.session.scalars(
            select(Notification).where(Notification.team_id == team_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
        ))

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self.session.add(attempt)

    def attempts_of(self, notification_ids: list[str]) -> list[DeliveryAttempt]:
        if not notification_ids:
            return []
        return list(self.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(notification_ids))
            .order_by(DeliveryAttempt.at)
        ))


class Directory:
    """The read model of members and goals kept from `goals.events`."""

    def __init__(self, session: Session):
        self.session = session

    def member(self, member_id: str) -> MemberView | None:
        return self.session.get(MemberView, member_id)

    def goal(self, goal_id: str) -> GoalView | None:
        return self.session.get(GoalView, goal_id)

    def upsert(self, view: MemberView | GoalView) -> None:
        self.session.merge(view)
