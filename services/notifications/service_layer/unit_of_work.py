"""The notifications unit of work: its repositories, queries, idempotency ledger and outbox in
one transaction."""

from services.notifications.adapters.orm import idempotency_keys
from services.notifications.adapters.queries import NotificationQueries
from services.notifications.adapters.repositories import (
    AwaitedCheckins,
    Channels,
    Notifications,
    PreferenceRepository,
    Replicas,
    SlackEvents,
    SlackRepository,
    SlackRequests,
    Suppressions,
)
from shared.idempotency import IdempotencyKeys
from shared.uow import UnitOfWork


class NotificationsUnitOfWork(UnitOfWork):
    channels: Channels
    notifications: Notifications
    replicas: Replicas
    preferences: PreferenceRepository
    slack_requests: SlackRequests
    slack: SlackRepository
    slack_events: SlackEvents
    queries: NotificationQueries
    awaited_checkins: AwaitedCheckins
    suppressions: Suppressions
    idempotency_keys: IdempotencyKeys

    def after_commit_once(self, callback) -> None:
        """`after_commit`, once per transaction however often asked (the deliverer's wake-up
        in its own process)."""
        if callback not in self._after_commit:
            self.after_commit(callback)

    def on_enter(self) -> None:
        self.channels = Channels(self.session)
        self.notifications = Notifications(self.session)
        self.replicas = Replicas(self.session)
        self.preferences = PreferenceRepository(self.session)
        self.slack_requests = SlackRequests(self.session)
        self.slack = SlackRepository(self.session)
        self.slack_events = SlackEvents(self.session)
        self.queries = NotificationQueries(self.session)
        self.awaited_checkins = AwaitedCheckins(self.session)
        self.suppressions = Suppressions(self.session)
        self.idempotency_keys = IdempotencyKeys(self.session, idempotency_keys)
