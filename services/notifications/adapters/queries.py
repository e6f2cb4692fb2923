"""Read-side queries: the delivery log and a member's feed, newest first, by cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from services.notifications.adapters.orm import notifications as table
from services.notifications.domain.notification import DeliveryAttempt, Notification
from shared.db import prebuilt

Key = tuple[datetime, str]


def _before(created, key: Key | None):
    if key is None:
        return True
    return or_(created < key[0], and_(created == key[0], table.c.id < key[1]))


class NotificationQueries:
    def __init__(self, session: Session):
        self.session = session

    def log(self, team_id: str, limit: int, after: Key | None, status: str | None,
            channel_id: str | None) -> list[tuple[Notification, list[DeliveryAttempt]]]:
        """A team's channel and URL notifications (not feed items), one more than `limit`,
        each with its attempts. One statement, so one snapshot: a send recorded meanwhile
        shows in both the notification's status and its attempts, or in neither."""
        page = select(Notification.id).where(Notification.team_id == team_id,
                                             Notification.recipient_id.is_(None),
                                             _before(Notification.created_at, after))
        if status:
            page = page.where(Notification.status == status)
        if channel_id:
            page = page.where(Notification.channel_id == channel_id)
        order = (Notification.created_at.desc(), Notification.id.desc())
        page = page.order_by(*order).limit(limit + 1).subquery()
        rows = self.session.execute(
            select(Notification, DeliveryAttempt)
            .join(page, page.c.id == Notification.id)
            .outerjoin(DeliveryAttempt, DeliveryAttempt.notification_id == Notification.id)
            .order_by(*order, DeliveryAttempt.at, DeliveryAttempt.id))
        logged: dict[str, tuple[Notification, list[DeliveryAttempt]]] = {}
        for notification, attempt in rows:
            _, attempts = logged.setdefault(notification.id, (notification, []))
            if attempt is not None:
                attempts.append(attempt)
        return list(logged.values())

    def feed(self, member_id: str, limit: int, after: Key | None,
             unread_only: bool) -> list[Row]:
        """A member's visible feed items, one more than `limit`: rows of the columns a feed
        item shows (id, event_type, body, sent_at, read_at), not notifications, since a read
        needs no unit of work to keep them."""
        values = {"member_id": member_id, "limit": limit + 1}
        if after is not None:
            values.update(after_at=after[0], after_id=after[1])
        return self.session.execute(_feed_query(after is not None, unread_only), values).all()

    def unread_count(self, member_id: str) -> int:
        return self.session.scalar(
            select(func.count()).select_from(table).where(
                table.c.recipient_id == member_id, table.c.status == "sent",
                table.c.read_at.is_(None))
        ) or 0


@prebuilt
def _feed_query(paged: bool, unread_only: bool) -> Select:
    """The feed page's statement, for a first or a later page, all items or unread ones."""
    key = (bindparam("after_at"), bindparam("after_id")) if paged else None
    shown = (table.c.id, table.c.event_type, table.c.body, table.c.sent_at, table.c.read_at)
    query = select(*shown).where(table.c.recipient_id == bindparam("member_id"),
                                 table.c.status == "sent", _before(table.c.sent_at, key))
    if unread_only:
        query = query.where(table.c.read_at.is_(None))
    order = (table.c.sent_at.desc(), table.c.id.desc())
    return query.order_by(*order).limit(bindparam("limit"))
