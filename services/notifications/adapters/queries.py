"""Read-side queries: the delivery log and a member's feed, newest first, by cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import notifications as table
from services.notifications.domain.notification import DeliveryAttempt, Notification

Key = tuple[datetime, str]


def _before(created, key: Key | None):
    if key is None:
        return True
    return or_(created < key[0], and_(created == key[0], Notification.id < key[1]))


class NotificationQueries:
    def __init__(self, session: Session):
        self.session = session

    def log(self, team_id: str, limit: int, after: Key | None, status: str | None,
            channel_id: str | None) -> list[Notification]:
        """A team's channel and URL notifications (not feed items), one more than `limit`."""
        query = select(Notification).where(Notification.team_id == team_id,
                                           Notification.recipient_id.is_(None),
                                           _before(Notification.created_at, after))
        if status:
            query = query.where(Notification.status == status)
        if channel_id:
            query = query.where(Notification.channel_id == channel_id)
        order = (Notification.created_at.desc(), Notification.id.desc())
        return list(self.session.scalars(query.order_by(*order).limit(limit + 1)))

    def attempts_of(self, notification_ids: list[str]) -> list[DeliveryAttempt]:
        if not notification_ids:
            return []
        return list(self.session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.notification_id.in_(notification_ids))
            .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
        ))

    def feed(self, member_id: str, limit: int, after: Key | None,
             unread_only: bool) -> list[Notification]:
        """A member's visible feed items, one more than `limit`."""
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
