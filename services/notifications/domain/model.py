"""Channels, notifications and delivery attempts as plain classes, with the delivery rules."""

from __future__ import annotations

import random
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
MAX_ATTEMPTS = 12
BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0


def new_id() -> str:
    return str(uuid.uuid4())


class Channel(Aggregate):
    def __init__(self, team_id: str, type: str, url: str, *, name: str = "",
                 event_types: list[str] | None = None, created_at: datetime,
                 id: str | None = None):
        self.id = id or new_id()
        self.team_id = team_id
        self.type = type
        self.url = url
        self.name = name or type
        self.event_types = ",".join(event_types or [])
        self.state = "active"
        self.disabled_reason: str | None = None
        self.created_at = created_at
        self.last_sent_at: datetime | None = None

    def wants(self, event_type: str) -> bool:
        return self.state == "active" and (not self.event_types or
                                           event_type in self.event_types.split(","))

    def disable(self, reason: str) -> None:
        self.state = "disabled"
        self.disabled_reason = reason


@dataclass(frozen=True)
class SendResult:
    status: int | None
    body: str = ""
    retry_after: float | None = None
    error: str | None = None
    duration_ms: int = 0


class Notification(Aggregate):
    def __init__(self, team_id: str, channel_id: str | None, event_id: str, event_type: str,
                 body: str, *, created_at: datetime, recipient_id: str | None = None,
                 id: str | None = None):
        self.id = id or new_id()
        self.team_id = team_id
        self.channel_id = channel_id
        self.recipient_id = recipient_id
        self.event_id = event_id
        self.event_type = event_type
        self.body = body
        self.status = "pending"
        self.attempts = 0
        self.next_attempt_at = created_at
        self.last_error: str | None = None
        self.created_at = created_at
        self.sent_at: datetime | None = None

    def outcome(self, result: SendResult, now: datetime, channel: Channel,
                rng: random.Random) -> str:
        """Apply one attempt's result; returns sent, retry or failed."""
        self.attempts += 1
        if result.status is not None and 200 <= result.status < 300:
            self.status, self.sent_at, self.last_error = "sent", now, None
            return "sent"
        reason = PERMANENT_FAILURES.get(result.status)
        if reason is not None:
            self.status, self.last_error = "failed", f"{result.status} {result.body or reason}"
            channel.disable(result.body or reason)
            return "failed"
        self.last_error = result.error or f"{result.status} {result.body}"
        if self.attempts >= MAX_ATTEMPTS:
            self.status = "failed"
            return "failed"
        if result.status == 429 and result.retry_after is not None:
            wait = result.retry_after
        else:
            wait = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (self.attempts - 1)) * rng.uniform(0.5, 1)
        self.next_attempt_at = now + timedelta(seconds=wait)
        return "retry"


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


class MemberView:
    def __init__(self, member_id: str, team_id: str, name: str, role: str, timezone: str, *,
                 state: str = "active", token_version: int = 1, slack_user_id: str | None = None):
        self.member_id = member_id
        self.team_id = team_id
        self.name = name
        self.role = role
        self.timezone = timezone
        self.state = state
        self.token_version = token_version
        self.slack_user_id = slack_user_id


class GoalView:
    def __init__(self, goal_id: str, team_id: str, owner_id: str, title: str, *,
                 visibility: str = "team", progress: float = 0.0):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.title = title
        self.visibility = visibility
        self.progress = progress
