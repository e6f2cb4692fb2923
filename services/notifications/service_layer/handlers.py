"""Use cases of the notifications API."""

from __future__ import annotations

from dataclasses import dataclass

from services.notifications.domain.model import Channel
from services.notifications.domain.webhook_url import validate_webhook_url
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock


@dataclass(frozen=True)
class AddChannel:
    team_id: str
    type: str
    webhook_url: str
    name: str = ""
    event_types: tuple[str, ...] = ()


def add_channel(cmd: AddChannel, uow: NotificationsUnitOfWork, clock: Clock,
                allowlist: tuple[str, ...]) -> Channel:
    url = validate_webhook_url(cmd.webhook_url, allowlist)
    with uow:
        channel = Channel(cmd.team_id, cmd.type, url, name=cmd.name,
                          event_types=list(cmd.event_types), created_at=clock.now())
        uow.channels.add(channel)
        uow.commit()
    return channel


def list_channels(team_id: str, uow: NotificationsUnitOfWork) -> list[Channel]:
    with uow:
        return uow.channels.for_team(team_id)


def delivery_log(team_id: str, uow: NotificationsUnitOfWork, limit: int) -> list[dict]:
    with uow:
        notes = uow.notifications.for_team(team_id, limit)
        attempts = uow.notifications.attempts_of([n.id for n in notes])
    by_note: dict[str, list] = {}
    for attempt in attempts:
        by_note.setdefault(attempt.notification_id, []).append(attempt)
    return [{"notification": n, "attempts": by_note.get(n.id, [])} for n in notes]
