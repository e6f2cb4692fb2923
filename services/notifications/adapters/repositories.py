"""Repositories of channels, notifications (the delivery log and the in-app feed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import notifications as table
from services.notifications.domain.model import Channel, DeliveryAttempt, Notification

Key = tuple[datetime, str]


class Channels:
    def __init__(self, session: Session):
        self.session = session

    def add(self, channel: Channel) -> None:
        self.session.add(channel)

    def get(self, team_id: str, channel_id: str | None) -> Channel | None:
        channel = self.session.get(Channel, channel_id) if channel_id else None
        if channel is None or channel.team_id != team_id or channel.state == "deleted":
            return None
        return channel

    def active_for(self, team_id: str) -> list[Channel]:
        return list(self.session.scalars(
            select(Channel).where(Channel.team_id == team_id, Channel.state == "active")
            .order_by(Channel.created_at)
        ))

    def for_team(self, team_id: str) -> list[Channel]:
        return list(self.session.scalars(
            select(Channel).where(Channel.team_id == team_id, Channel.state != "deleted")
            .order_by(Channel.created_at)
        ))


def _before(created, key: Key | None):
    if key is None:
        return True
    return or_(created < key[0], and_(created == key[0], Notification.id < key[1]))


class Notifications:
    def __init__(self, session: Session):
        self.session = session

    def add(self, notification: Notification) -> None:
        self.session.add(notification)

    def get(self, notification_id: str) -> Notification | None:
        return self.session.get(Notification, notification_id)

    def exists(self, event_id: str, target: str) -> bool:
        query = select(Notification.id).where(Notification.event_id == event_id,
                                              Notification.target == target)
        return self.session.execute(query.limit(1)).first() is not None

    def due(self, now: datetime, limit: int) -> list[Notification]:
        query = (
            select(Notification)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def mergeable(self, primary: Notification, now: datetime) -> list[Notification]:
        """Other pending notifications of the same kind for the same channel, oldest first."""
        return list(self.session.scalars(
            select(Notification).where(
                Notification.status == "pending", Notification.id != primary.id,
                Notification.channel_id == primary.channel_id,
                Notification.event_type == primary.event_type, Notification.attempts == 0,
                Notification.created_at <= now,
            ).order_by(Notification.created_at, Notification.id)
        ))

    def waiting(self, channel_id: str, event_type: str) -> list[Notification]:
        """Pending, never attempted notifications of one kind for one channel."""
        return list(self.session.scalars(
            select(Notification).where(
                Notification.status == "pending", Notification.channel_id == channel_id,
                Notification.event_type == event_type, Notification.attempts == 0)
        ))

    def release_held(self, now: datetime) -> int:
        result = self.session.execute(
            update(table).where(table.c.status == "held", table.c.next_attempt_at <= now)
            .values(status="sent", sent_at=table.c.next_attempt_at)
        )
        return result.rowcount or 0

    def awaiting_digest(self, member_id: str, before: datetime) -> list[Notification]:
        return list(self.session.scalars(
            select(Notification).where(Notification.recipient_id == member_id,
                                       Notification.status == "digest",
                                       Notification.created_at < before)
            .order_by(Notification.created_at)
        ))

    def members_awaiting_digest(self) -> list[str]:
        return list(self.session.scalars(
            select(Notification.recipient_id).where(Notification.status == "digest").distinct()
        ))

    def log(self, team_id: str, limit: int, after: Key | None, status: str | None,
            channel_id: str | None) -> list[Notification]:
        query = select(Notification).where(Notification.team_id == team_id,
                                           Notification.recipient_id.is_(None),
                                           _before(Notification.created_at, after))
        if status:
            query = query.where(Notification.status == status)
        if channel_id:
            query = query.where(Notification.channel_id == channel_id)
        order = (Notification.created_at.desc(), Notification.id.desc())
        return list(self.session.scalars(query.order_by(*order).limit(limit + 1)))

    def feed(self, member_id: str, limit: int, after: Key | None,
             unread_only: bool) -> list[Notification]:
        query = select(Notification).where(Notification.recipient_id == member_id,
                                           Notification.status == "sent",
                                           _before(Notification.sent_at, after))
        if unread_only:
            query = query.where(Notification.read_at.is_(None))
        order = (Notification.sent_at.desc(), Notification.id.desc())
        return list(self.session.scalars(query.order_by(*order).limit(limit + 1)))

    def unread_count(self, member_id: str) -> int:
        return self.session.scalar(
            select(func.count()).select_from(table).where(
                table.c.recipient_id == member_id, table.c.status == "sent",
                table.c.read_at.is_(None))
        ) or 0

    def mark_read(self, member_id: str, ids: list[str] | None, now: datetime) -> int:
        query = update(table).where(table.c.recipient_id == member_id, table.c.status == "sent",
                                    table.c.read_at.is_(None))
        if ids is not None:
            query = query.where(table.c.id.in_(ids))
        return self.session.execute(query.values(read_at=now)).rowcount or 0

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self.session.add(attempt)

    def attempts_of(self, notification_ids: list[str]) -> list[DeliveryAttempt]:
        if not notification_ids:
            return []
        return list(self.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(notification_ids))
            .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
        ))
