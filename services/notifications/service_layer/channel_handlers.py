"""Use cases of the channels, delivery-log and team-digest API (leads)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.digest import DigestSettings
from services.notifications.domain.model import Channel
from services.notifications.domain.webhook_url import validate_webhook_url
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.domain import NotFound
from shared.pagination import decode_cursor, page_of


@dataclass(frozen=True)
class AddChannel:
    team_id: str
    type: str
    webhook_url: str
    name: str = ""
    event_types: tuple[str, ...] = ()
    health: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeChannel:
    team_id: str
    channel_id: str
    name: str | None = None
    event_types: tuple[str, ...] | None = None
    health: tuple[str, ...] | None = None
    state: str | None = None


def add_channel(cmd: AddChannel, uow: NotificationsUnitOfWork, clock: Clock,
                allowlist: tuple[str, ...]) -> Channel:
    url = validate_webhook_url(cmd.webhook_url, allowlist)
    with uow:
        channel = Channel(cmd.team_id, cmd.type, url, name=cmd.name,
                          event_types=list(cmd.event_types), health=list(cmd.health),
                          created_at=clock.now())
        uow.channels.add(channel)
        uow.commit()
    return channel


def list_channels(team_id: str, uow: NotificationsUnitOfWork) -> list[Channel]:
    with uow:
        return uow.channels.for_team(team_id)


def get_channel(team_id: str, channel_id: str, uow: NotificationsUnitOfWork) -> Channel:
    with uow:
        return _channel(uow, team_id, channel_id)


def change_channel(cmd: ChangeChannel, uow: NotificationsUnitOfWork) -> Channel:
    with uow:
        channel = _channel(uow, cmd.team_id, cmd.channel_id)
        channel.change(name=cmd.name, state=cmd.state,
                       event_types=None if cmd.event_types is None else list(cmd.event_types),
                       health=None if cmd.health is None else list(cmd.health))
        uow.commit()
    return channel


def delete_channel(team_id: str, channel_id: str, uow: NotificationsUnitOfWork) -> None:
    with uow:
        _channel(uow, team_id, channel_id).delete()
        uow.commit()


def _channel(uow: NotificationsUnitOfWork, team_id: str, channel_id: str) -> Channel:
    channel = uow.channels.get(team_id, channel_id)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    return channel


def delivery_log(team_id: str, uow: NotificationsUnitOfWork, *, limit: int,
                 cursor: str | None = None, status: str | None = None,
                 channel_id: str | None = None) -> tuple[list[dict], str | None]:
    after = decode_cursor(cursor, 2)
    key = (datetime.fromisoformat(after[0]), after[1]) if after else None
    with uow:
        rows = uow.notifications.log(team_id, limit, key, status, channel_id)
        notes, next_cursor = page_of(rows, limit, lambda n: (n.created_at.isoformat(), n.id))
        attempts = uow.notifications.attempts_of([n.id for n in notes])
    by_note: dict[str, list] = {}
    for attempt in attempts:
        by_note.setdefault(attempt.notification_id, []).append(attempt)
    return [{"notification": n, "attempts": by_note.get(n.id, [])} for n in notes], next_cursor


def digest_settings(team_id: str, uow: NotificationsUnitOfWork) -> DigestSettings:
    with uow:
        return uow.settings.digest(team_id) or DigestSettings(team_id, enabled=False)


def set_digest_settings(team_id: str, uow: NotificationsUnitOfWork, *, enabled: bool,
                        weekday: int, hour: int) -> DigestSettings:
    with uow:
        settings = uow.settings.digest(team_id)
        if settings is None:
            settings = DigestSettings(team_id)
            uow.settings.add(settings)
        settings.update(enabled=enabled, weekday=weekday, hour=hour)
        uow.commit()
    return settings
