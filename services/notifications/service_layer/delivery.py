"""Sending notifications: claim what is due, post it, record the attempt and its outcome.

A notification is claimed by pushing its `next_attempt_at` out by a lease, so two workers
never send the same one, and a worker that dies mid-send leaves it due again after the lease.
Sends are paced per channel (`PACE`), 429 waits for `Retry-After`, other failures back off
exponentially with jitter, and permanent Slack errors disable the channel.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update

from services.notifications.adapters.orm import notifications as notifications_table
from services.notifications.domain.model import DeliveryAttempt, Notification, SendResult
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock

PACE = timedelta(seconds=1)
LEASE = timedelta(seconds=60)


class Deliverer:
    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], sender, clock: Clock,
                 rng: random.Random | None = None, batch: int = 50):
        self.uow_factory = uow_factory
        self.sender = sender
        self.clock = clock
        self.rng = rng or random.Random()
        self.batch = batch
        self.wakeup = threading.Event()

    def wake(self) -> None:
        self.wakeup.set()

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.deliver_due() == 0:
                self.wakeup.wait(0.25)
                self.wakeup.clear()

    def deliver_due(self) -> int:
        """Attempt every due notification once; returns how many attempts were made."""
        attempts = 0
        for notification_id in self._claim_due():
            attempts += self._attempt(notification_id)
        return attempts

    def _claim_due(self) -> list[str]:
        now = self.clock.now()
        claimed = []
        with self.uow_factory() as uow:
            due = uow.notifications.due(now, self.batch)
            paced: set[str] = set()
            for n in due:
                channel = uow.channels.get(n.team_id, n.channel_id)
                if channel is not None and channel.last_sent_at is not None:
                    ready_at = channel.last_sent_at + PACE
                    if ready_at > now or n.channel_id in paced:
                        n.next_attempt_at = max(ready_at, now + PACE)
                        continue
                paced.add(n.channel_id)
                result = uow.session.execute(
                    update(notifications_table)
                    .where(notifications_table.c.id == n.id,
                           notifications_table.c.next_attempt_at == n.next_attempt_at)
                    .values(next_attempt_at=now + LEASE)
                )
                if result.rowcount == 1:
                    claimed.append(n.id)
                    if channel is not None:
                        channel.last_sent_at = now
            uow.commit()
        return claimed

    def _attempt(self, notification_id: str) -> int:
        with self.uow_factory() as uow:
            n = uow.session.get(Notification, notification_id)
            channel = uow.channels.get(n.team_id, n.channel_id)
        if channel is None or channel.state != "active":
            return self._record(notification_id, SendResult(None, error="channel disabled"))
        result = self.sender.post(channel.url, json.loads(n.body))
        return self._record(notification_id, result)

    def _record(self, notification_id: str, result: SendResult) -> int:
        now = self.clock.now()
        with self.uow_factory() as uow:
            n = uow.session.get(Notification, notification_id)
            channel = uow.channels.get(n.team_id, n.channel_id)
            if channel is None or (channel.state != "active" and result.status is None):
                n.status, n.last_error = "failed", "channel disabled"
                outcome = "failed"
            else:
                was_active = channel.state == "active"
                outcome = n.outcome(result, now, channel, self.rng)
                if was_active and channel.state == "disabled":
                    uow.emit("channel.disabled", n.team_id, {
                        "channel_id": channel.id, "team_id": n.team_id,
                        "reason": channel.disabled_reason or "", "at": now.isoformat(),
                    }, subject=channel.id)
            uow.notifications.add_attempt(DeliveryAttempt(n.id, n.channel_id, now, result, outcome))
            uow.commit()
        return 1
