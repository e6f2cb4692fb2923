"""Channels, notifications and delivery attempts as plain classes, with the delivery rules."""

from __future__ import annotations

import random
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.domain import Aggregate

PERMANENT_FAILURES = {
    400: "invalid_payload",
    403: "action_prohibited",
    404: "channel_not_found",
    410: "channel_is_archived",
}
CHANNEL_TYPES = ("slack", "webhook")
ALERT_HEALTH = ("at_risk", "off_track", "overdue")
MAX_ATTEMPTS = 12
BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0


def new_id() -> str:
    return str(uuid.uuid4())


def _csv(values: list[str] | tuple[str, ...] | None) -> str:
    return ",".join(values or [])


def _split(raw: str | None) -> list[str]:
    return [part for part in (raw or "").split(",") if part]


class Channel(Aggregate):
    """A team's Slack incoming webhook or signed outgoing webhook, with what it wants to hear."""

    def __init__(self, team_id: str, type: str, url: str, *, name: str = "",
                 event_types: list[str] | None = None, health: list[str] | None = None,
                 created_at: datetime, id: str | None = None):
        self.id = id or new_id()
        self.team_id = team_id
        self.type = type
        self.url = url
        self.name = name or type
        self.event_types = _csv(event_types)
        self.health = _csv(health)
        self.secret = secrets.token_urlsafe(32) if type == "webhook" else None
        self.state = "active"
        self.disabled_reason: str | None = None
        self.created_at = created_at
        self.last_sent_at: datetime | None = None

    @property
    def event_type_list(self) -> list[str]:
        return _split(self.event_types)

    @property
    def health_list(self) -> list[str]:
        return _split(self.health)

    def wants(self, event_type: str, health: str | None = None) -> bool:
        """Active, the type passes the filter, and a health alert is one this channel wants."""
        if self.state != "active":
            return False
        if self.event_types and event_type not in self.event_type_list:
            return False
        return health is None or health in (self.health_list or ALERT_HEALTH)

    def change(self, *, name: str | None = None, event_types: list[str] | None = None,
               health: list[str] | None = None, state: str | None = None) -> None:
        if name is not None:
            self.name = name or self.type
        if event_types is not None:
            self.event_types = _csv(event_types)
        if health is not None:
            self.health = _csv(health)
        if state == "active":
            self.state, self.disabled_reason = "active", None
        elif state == "disabled":
            self.disable("disabled by a lead")

    def disable(self, reason: str) -> None:
        self.state = "disabled"
        self.disabled_reason = reason

    def delete(self) -> None:
        self.state = "deleted"


@dataclass(frozen=True)
class SendResult:
    status: int | None
    body: str = ""
    retry_after: float | None = None
    error: str | None = None
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Notification(Aggregate):
    """One message for one target (a channel, a member's feed, or a Slack response_url).

    Statuses: pending (the deliverer sends it), held (quiet hours, shown at `next_attempt_at`),
    digest (waits for the member's digest), sent, failed, coalesced (merged into `merged_into`),
    digested (folded into a digest).
    """

    def __init__(self, team_id: str, target: str, event_id: str, event_type: str, body: str, *,
                 created_at: datetime, summary: str = "", channel_id: str | None = None,
                 recipient_id: str | None = None, url: str | None = None,
                 status: str = "pending", due_at: datetime | None = None, id: str | None = None):
        self.id = id or new_id()
        self.team_id = team_id
        self.target = target
        self.channel_id = channel_id
        self.recipient_id = recipient_id
        self.url = url
        self.event_id = event_id
        self.event_type = event_type
        self.body = body
        self.summary = summary
        self.status = status
        self.attempts = 0
        self.next_attempt_at = due_at or created_at
        self.last_error: str | None = None
        self.created_at = created_at
        self.sent_at: datetime | None = created_at if status == "sent" else None
        self.read_at: datetime | None = None
        self.merged_into: str | None = None

    def outcome(self, result: SendResult, now: datetime, channel: Channel | None,
                rng: random.Random) -> str:
        """Apply one attempt's result; returns sent, retry or failed."""
        self.attempts += 1
        if result.ok:
            self.status, self.sent_at, self.last_error = "sent", now, None
            return "sent"
        reason = PERMANENT_FAILURES.get(result.status)
        if reason is not None:
            self.status, self.last_error = "failed", f"{result.status} {result.body or reason}"
            if channel is not None:
                channel.disable(f"{result.status} {result.body or reason}"[:200])
            return "failed"
        self.last_error = result.error or f"{result.status} {result.body}"[:500]
        if self.attempts >= MAX_ATTEMPTS:
            self.status = "failed"
            return "failed"
        self.next_attempt_at = now + timedelta(seconds=retry_wait(result, self.attempts, rng))
        return "retry"

    def fail(self, reason: str) -> None:
        self.status, self.last_error = "failed", reason


def retry_wait(result: SendResult, attempts: int, rng: random.Random) -> float:
    """`Retry-After` on 429, else exponential backoff with jitter (half to full of the step)."""
    if result.status == 429 and result.retry_after is not None:
        return result.retry_after
    return min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempts - 1)) * rng.uniform(0.5, 1)


class DeliveryAttempt:
    def __init__(self, notification_id: str, channel_id: str | None, at: datetime,
                 result: SendResult, outcome: str, id: str | None = None):
        self.id = id or new_id()
        self.notification_id = notification_id
        self.channel_id = channel_id
        self.at = at
        self.status_code = result.status
        self.error = result.error or (None if outcome == "sent" else result.body[:500])
        self.outcome = outcome
        self.duration_ms = result.duration_ms
