"""Use cases of a member's own in-app feed (`/v1/me/feed...`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.notifications.service_layer.commands import CountUnread, ListFeed, MarkRead
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.json_codec import loads
from shared.pagination import decode_moment_cursor, page_of


class FeedRow(Protocol):
    """What the feed query reads of a notification (see NotificationQueries.feed)."""

    id: str
    event_type: str
    body: str
    sent_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class FeedItem:
    id: str
    event_type: str
    title: str
    text: str
    link: str | None
    created_at: datetime
    read_at: datetime | None

    @property
    def read(self) -> bool:
        return self.read_at is not None

    @classmethod
    def of(cls, n: FeedRow) -> FeedItem:
        body = loads(n.body)
        return cls(n.id, n.event_type, body.get("title", ""), body.get("text", ""),
                   body.get("link"), n.sent_at, n.read_at)


@dataclass(frozen=True)
class FeedPage:
    items: list[FeedItem]
    next_cursor: str | None


def list_feed(cmd: ListFeed, reader: NotificationsUnitOfWork) -> FeedPage:
    key = decode_moment_cursor(cmd.cursor)
    with reader:
        rows = reader.queries.feed(cmd.actor.member_id, cmd.limit, key, cmd.unread_only)
    page, next_cursor = page_of(rows, cmd.limit, lambda n: (n.sent_at.isoformat(), n.id))
    return FeedPage([FeedItem.of(n) for n in page], next_cursor)


def count_unread(cmd: CountUnread, reader: NotificationsUnitOfWork) -> int:
    with reader:
        return reader.queries.unread_count(cmd.actor.member_id)


def mark_read(cmd: MarkRead, uow: NotificationsUnitOfWork, clock: Clock) -> int:
    """How many of the caller's unread items became read (others' items are never touched)."""
    ids = None if cmd.ids is None else list(cmd.ids)
    with uow:
        marked = uow.notifications.mark_read(cmd.actor.member_id, ids, clock.now())
        uow.commit()
    return marked
