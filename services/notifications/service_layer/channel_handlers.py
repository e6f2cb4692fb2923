"""Use cases of a team's channels and its delivery log (leads)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from services.notifications.config import NotificationsSettings
from services.notifications.domain.channel import CHANNEL_DELETED, Channel
from services.notifications.domain.fanout import Notifier, Occurrence
from services.notifications.domain.notification import DeliveryAttempt, Notification
from services.notifications.domain.render import Rendered
from services.notifications.domain.webhook_url import validate_webhook_url
from services.notifications.service_layer.access import ensure_lead
from services.notifications.service_layer.commands import (
    AddChannel,
    ChangeChannel,
    DeleteChannel,
    GetChannel,
    ListChannels,
    ListDeliveries,
    RotateChannelSecret,
    SendTestMessage,
)
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.domain import Conflict, NotFound
from shared.idempotency import Once, made_once
from shared.pagination import decode_moment_cursor, page_of


@dataclass(frozen=True)
class Delivery:
    notification: Notification
    attempts: list[DeliveryAttempt]


@dataclass(frozen=True)
class DeliveryPage:
    items: list[Delivery]
    next_cursor: str | None


def add_channel(cmd: AddChannel, uow: NotificationsUnitOfWork, clock: Clock,
                settings: NotificationsSettings,
                render_channel: Callable[[Channel], object]) -> Once[Channel]:
    """Add a channel, once per idempotency key: a retry under the key adds none and gets the
    first answer (saved in the same transaction as the channel)."""
    ensure_lead(cmd.actor, cmd.team_id)
    url = validate_webhook_url(cmd.webhook_url, settings.webhook_allowlist, kind=cmd.type)
    with uow:
        now = clock.now()

        def added() -> Channel:
            channel = Channel(cmd.team_id, cmd.type, url, name=cmd.name,
                              event_types=list(cmd.event_types), health=list(cmd.health),
                              created_at=now)
            uow.channels.add(channel)
            return channel

        result = made_once(uow.idempotency_keys, cmd.idempotency, now, added, render_channel)
        uow.commit()
    return result


def list_channels(cmd: ListChannels, reader: NotificationsUnitOfWork) -> list[Channel]:
    ensure_lead(cmd.actor, cmd.team_id)
    with reader:
        return reader.channels.for_team(cmd.team_id)


def get_channel(cmd: GetChannel, reader: NotificationsUnitOfWork) -> Channel:
    ensure_lead(cmd.actor, cmd.team_id)
    with reader:
        return _channel(reader, cmd.team_id, cmd.channel_id)


def change_channel(cmd: ChangeChannel, uow: NotificationsUnitOfWork,
                   settings: NotificationsSettings) -> Channel:
    """Apply a lead's changes; a new URL is validated as when a channel is added (for the
    channel's type) and enables again a channel its receiver's answers disabled."""
    ensure_lead(cmd.actor, cmd.team_id)
    with uow:
        channel = _channel(uow, cmd.team_id, cmd.channel_id, for_update=True)
        if cmd.webhook_url is not None:
            channel.move_to(validate_webhook_url(cmd.webhook_url, settings.webhook_allowlist,
                                                 kind=channel.type))
        channel.change(name=cmd.name, state=cmd.state,
                       event_types=None if cmd.event_types is None else list(cmd.event_types),
                       health=None if cmd.health is None else list(cmd.health))
        uow.commit()
    return channel


def delete_channel(cmd: DeleteChannel, uow: NotificationsUnitOfWork, clock: Clock) -> None:
    """Remove the channel; what it still had queued fails at once (`CHANNEL_DELETED`), so the
    delivery log never shows a removed channel's messages as pending. The channel's row is
    locked first, as a change and a send's record lock it: a second delete waits for the
    first and finds no channel (404)."""
    ensure_lead(cmd.actor, cmd.team_id)
    with uow:
        _channel(uow, cmd.team_id, cmd.channel_id, for_update=True).delete()
        uow.notifications.fail_queued(cmd.channel_id, CHANNEL_DELETED, clock.now())
        uow.commit()


def rotate_channel_secret(cmd: RotateChannelSecret, uow: NotificationsUnitOfWork, clock: Clock,
                          settings: NotificationsSettings,
                          render_channel: Callable[[Channel], object]) -> Once[Channel]:
    """Give a webhook channel a new signing secret, once per idempotency key (a retry under
    the key rotates none and gets the first answer, the new secret in it); the replaced one
    signs beside it for `secret_grace_hours`. The channel's row is locked: two rotations take
    turns, and the second is refused while the first's grace runs (`Channel.rotate_secret`)."""
    ensure_lead(cmd.actor, cmd.team_id)
    with uow:
        channel = _channel(uow, cmd.team_id, cmd.channel_id, for_update=True)
        now = clock.now()

        def rotated() -> Channel:
            channel.rotate_secret(now, timedelta(hours=settings.secret_grace_hours))
            return channel

        result = made_once(uow.idempotency_keys, cmd.idempotency, now, rotated, render_channel,
                           status=200)
        uow.commit()
    return result


@dataclass(frozen=True)
class TestMessage:
    notification_id: str
    status: str


def send_test_message(cmd: SendTestMessage, uow: NotificationsUnitOfWork, clock: Clock,
                      notifier: Notifier, settings: NotificationsSettings,
                      render_test_message: Callable[[TestMessage], object]) -> Once[TestMessage]:
    """Queue a test message for the channel, once per idempotency key (a retry under the key
    queues none and gets the first answer, even once the channel was disabled since, as a
    refused test message disables it); it shows in the delivery log like any other."""
    ensure_lead(cmd.actor, cmd.team_id)
    with uow:
        channel = _channel(uow, cmd.team_id, cmd.channel_id)
        now = clock.now()

        def queued() -> TestMessage:
            if channel.state != "active":
                raise Conflict(f"the channel is {channel.state}; enable it before testing it")
            what = Occurrence(str(uuid.uuid4()), "channel.test", cmd.team_id, now.isoformat(),
                              {}, settings.public_url)
            summary = f"Test message from Goalkeeper to {channel.name or channel.type}"
            note = notifier.to_channel(uow, channel, what, Rendered(
                "Goalkeeper test message", [f"{summary}: this channel is connected."], summary))
            return TestMessage(note.id, note.status)

        result = made_once(uow.idempotency_keys, cmd.idempotency, now, queued,
                           render_test_message, status=202)
        uow.commit()
    return result


def _channel(uow: NotificationsUnitOfWork, team_id: str, channel_id: str, *,
             for_update: bool = False) -> Channel:
    channel = uow.channels.get(team_id, channel_id, for_update=for_update)
    if channel is None:
        raise NotFound(f"channel {channel_id} not found")
    return channel


def list_deliveries(cmd: ListDeliveries, reader: NotificationsUnitOfWork) -> DeliveryPage:
    """What was sent to channels and URLs, newest first, each with its attempts."""
    ensure_lead(cmd.actor, cmd.team_id)
    key = decode_moment_cursor(cmd.cursor)
    with reader:
        rows = reader.queries.log(cmd.team_id, cmd.limit, key, cmd.status, cmd.channel_id)
    logged, next_cursor = page_of(rows, cmd.limit,
                                  lambda row: (row[0].created_at.isoformat(), row[0].id))
    return DeliveryPage([Delivery(n, attempts) for n, attempts in logged], next_cursor)
