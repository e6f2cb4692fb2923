"""Use cases of a member's own feed and preferences (`/v1/me/...`)."""

from __future__ import annotations

import json
from datetime import datetime

from services.notifications.domain.preferences import Preferences
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.pagination import decode_cursor, page_of


def feed(principal: Principal, uow: NotificationsUnitOfWork, *, limit: int,
         cursor: str | None, unread_only: bool = False) -> tuple[list[dict], str | None]:
    after = decode_cursor(cursor, 2)
    key = (datetime.fromisoformat(after[0]), after[1]) if after else None
    with uow:
        rows = uow.notifications.feed(principal.member_id, limit, key, unread_only)
    page, next_cursor = page_of(rows, limit, lambda n: (n.sent_at.isoformat(), n.id))
    return [_item(n) for n in page], next_cursor


def _item(n) -> dict:
    body = json.loads(n.body)
    return {"id": n.id, "event_type": n.event_type, "title": body.get("title", ""),
            "text": body.get("text", ""), "link": body.get("link"), "created_at": n.sent_at,
            "read": n.read_at is not None, "read_at": n.read_at}


def unread_count(principal: Principal, uow: NotificationsUnitOfWork) -> int:
    with uow:
        return uow.notifications.unread_count(principal.member_id)


def mark_read(principal: Principal, uow: NotificationsUnitOfWork, clock: Clock,
              ids: list[str] | None) -> int:
    with uow:
        marked = uow.notifications.mark_read(principal.member_id, ids, clock.now())
        uow.commit()
    return marked


def preferences(principal: Principal, uow: NotificationsUnitOfWork) -> Preferences:
    with uow:
        return uow.settings.preferences(principal.member_id, principal.team_id)


def set_preferences(principal: Principal, uow: NotificationsUnitOfWork, *, muted: list[str],
                    delivery: str, digest: str, quiet_hours: dict | None) -> Preferences:
    with uow:
        prefs = uow.settings.preferences(principal.member_id, principal.team_id)
        prefs.update(muted=muted, delivery=delivery, digest=digest, quiet_hours=quiet_hours)
        uow.settings.save(prefs)
        uow.commit()
    return prefs
