"""Wires the notifications service."""

from __future__ import annotations

from functools import cached_property

from services.notifications.adapters.http_sender import WebhookSender
from services.notifications.adapters.orm import metadata, start_mappers
from services.notifications.config import NotificationsSettings, load
from services.notifications.domain.views import MemberView
from services.notifications.service_layer.delivery import Deliverer
from services.notifications.service_layer.digests import Digests
from services.notifications.service_layer.notify import DeliveryPolicy, Notifier
from services.notifications.service_layer.routing import Router
from services.notifications.service_layer.slash import SlashAnswers
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.bootstrap import Container
from shared.clock import Clock
from shared.events.topics import (
    CHECKINS_COMMANDS,
    CHECKINS_EVENTS,
    GOALS_EVENTS,
    NOTIFICATIONS_EVENTS,
)
from shared.worker import ScheduledJob

DIGEST_INTERVAL_SECONDS = 60.0


class NotificationsContainer(Container):
    metadata = metadata
    uow_class = NotificationsUnitOfWork
    consumes = (GOALS_EVENTS, CHECKINS_EVENTS)
    publishes = (NOTIFICATIONS_EVENTS, CHECKINS_COMMANDS)
    member_record = MemberView

    def __init__(self, settings: NotificationsSettings, clock: Clock | None = None, sender=None):
        start_mappers()
        super().__init__(settings, clock)
        self.sender = sender or WebhookSender(allowlist=settings.webhook_allowlist)
        self.policy = DeliveryPolicy()

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(self.clock, self.policy, lambda: self.deliverer.wake())

    @cached_property
    def deliverer(self) -> Deliverer:
        return Deliverer(self.uow, self.sender, self.clock, self.notifier, self.policy,
                         public_url=self.settings.public_url)

    @cached_property
    def router(self) -> Router:
        return Router(self.notifier, self.settings.public_url, SlashAnswers(self.notifier))

    @cached_property
    def digests(self) -> Digests:
        return Digests(self.uow, self.clock, self.notifier, self.settings.public_url)

    def handlers(self):
        return self.router.handlers()

    def jobs(self) -> list[ScheduledJob]:
        return [
            ScheduledJob("team-digests", DIGEST_INTERVAL_SECONDS, self.digests.send_team_digests),
            ScheduledJob("personal-digests", DIGEST_INTERVAL_SECONDS,
                         self.digests.send_personal_digests),
        ]

    def worker(self):
        worker = super().worker()
        worker.loops["delivery"] = self.deliverer.run
        return worker


def bootstrap(settings: NotificationsSettings | None = None, clock: Clock | None = None,
              sender=None) -> NotificationsContainer:
    return NotificationsContainer(settings or load(), clock, sender)
