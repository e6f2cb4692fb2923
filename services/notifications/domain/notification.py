"""Notifications and their delivery attempts, with the retry rules of one attempt's result."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifications.domain.channel import Channel
from services.notifications.domain.refusals import refusal, rules_for
from shared.domain import Aggregate

RETRY_AFTER_STATUSES = (429, 503)  # the answers whose Retry-After says when to come back

CHANNEL_STATUSES = ("pending", "sent", "failed", "coalesced")
"""What a channel's message can be: sent by the deliverer, or merged into a burst's message."""
LOGGED_STATUSES = (*CHANNEL_STATUSES, "muted")
"""What an entry of the delivery log (channels, URLs, mail; never a member's feed item) can be:
mail held by quiet hours is `muted` when its member mutes its type (`Notifier.place_held`).
Only feed items are `held`, `digest` or `digested`."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed delivery is tried again."""

    max_attempts: int = 300  # about a day at the 5-minute cap: an outage delays, never loses
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    retry_after_cap: float = 3600.0  # a receiver asking for longer is tried again in an hour

    def wait(self, result: SendResult, attempts: int, rng: random.Random) -> float:
        """Exponential backoff with jitter (half to full step), or longer when the receiver asks
        (`Retry-After` on 429 and 503, at most `retry_after_cap`): what it asks is the least
        wait, so a receiver asking a second at each answer does not spend in minutes the
        retries meant to last a day."""
        step = min(self.backoff_cap, self.backoff_base * 2 ** (attempts - 1))
        backoff = step * rng.uniform(0.5, 1)
        asked = self.asked(result)
        return backoff if asked is None else max(asked, backoff)

    def asked(self, result: SendResult) -> float | None:
        """The wait the receiver asked for with `Retry-After` on 429 or 503, capped; else None.
        One of no time (0, or a date already past by our clock) asks nothing: retried at once,
        again and again, it would spend a day's retries in minutes."""
        if result.status in RETRY_AFTER_STATUSES and result.retry_after:
            return min(result.retry_after, self.retry_after_cap)
        return None


@dataclass(frozen=True)
class SendResult:
    status: int | None
    body: str = ""
    retry_after: float | None = None
    error: str | None = None
    duration_ms: int = 0
    refused: bool = False  # mail: the receiver refused the address for good (5xx RCPT/DATA)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Notification(Aggregate):
    """One message for one target (a channel, a member's feed, a mail, or a Slack response_url).

    Statuses: pending (the deliverer sends it), held (quiet hours or a snooze, shown at
    `next_attempt_at`), digest (waits for the member's digest), sent, failed, coalesced (merged
    into `merged_into`), digested (folded into a digest), muted (held, then its type muted:
    shown nowhere).
    """

    def __init__(self, team_id: str, target: str, event_id: str, event_type: str, body: str, *,
                 created_at: datetime, summary: str = "", channel_id: str | None = None,
                 recipient_id: str | None = None, url: str | None = None,
                 goal_id: str | None = None, status: str = "pending",
                 due_at: datetime | None = None, id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id = team_id
        self.target = target
        self.channel_id = channel_id
        self.recipient_id = recipient_id
        self.url = url
        self.goal_id = goal_id  # a channel message's goal, looked at again as it leaves
        self.event_id = event_id
        self.event_type = event_type
        self.body = body
        self.summary = summary
        self.status = status
        self.attempts = 0
        self.next_attempt_at = due_at or created_at
        self.claimed_until: datetime | None = None  # a worker's, sending it, until then
        self.last_error: str | None = None
        self.created_at = created_at
        self.sent_at: datetime | None = created_at if status == "sent" else None
        self.read_at: datetime | None = None
        self.merged_into: str | None = None

    def record_attempt(self, result: SendResult, now: datetime, channel: Channel | None,
                       retry: RetryPolicy, rng: random.Random) -> str:
        """Apply one attempt's result (a refusal no retry fixes fails it and may disable
        `channel`, as may one retried to the end: see `domain.refusals`; a Retry-After holds
        all of the channel);
        returns sent, retry or failed. A row merged into a burst after its claim ran out keeps
        `coalesced`: the burst's message carries it."""
        if answered := self._answered(result, now):
            return answered
        refused = refusal(result, channel, email=self.is_email)
        if refused is not None:
            self.status, self.last_error = "failed", refused.reason
            if refused.disables and channel is not None:
                channel.disable(refused.reason[:200])
            return "failed"
        self.last_error = result.error or f"{result.status} {result.body}"[:500]
        if self.attempts >= retry.max_attempts:
            self.status = "failed"
            if channel is not None and (reason := rules_for(channel).gives_up_on(result)):
                channel.disable(reason)
            return "failed"
        self.next_attempt_at = now + timedelta(seconds=retry.wait(result, self.attempts, rng))
        if channel is not None and retry.asked(result) is not None:
            channel.hold_until(self.next_attempt_at)
        return "retry"

    def record_last_attempt(self, result: SendResult, now: datetime, reason: str) -> str:
        """Apply the answer to a send whose channel was deleted since: sent, or failed for
        `reason` whatever the receiver answered, as nothing more goes to a channel gone."""
        if answered := self._answered(result, now):
            return answered
        self.fail(reason)
        return "failed"

    def _answered(self, result: SendResult, now: datetime) -> str | None:
        """Count one attempt, its claim over; `coalesced` (kept) or `sent`, else None."""
        self.attempts += 1
        self.claimed_until = None
        if self.status == "coalesced":
            return self.status
        if result.ok:
            self.status, self.sent_at, self.last_error = "sent", now, None
            return "sent"
        return None

    @property
    def is_email(self) -> bool:
        return self.target.startswith("email:")

    def fail(self, reason: str) -> None:
        self.status, self.last_error = "failed", reason

    def mute(self) -> None:
        """Never shown or mailed: the member muted its type while it was held."""
        self.status = "muted"

    def place(self, status: str, visible_at: datetime) -> None:
        """Wait again as a member's preferences now say (`Preferences.placement`): a feed item
        for the digest (`digest`), or held until `visible_at`, when the deliverer shows it; a
        mail is due at `visible_at`."""
        if self.is_email:
            self.next_attempt_at = visible_at
        elif status == "digest":
            self.status = "digest"
        else:
            self.status, self.next_attempt_at = "held", visible_at

    def claim(self, now: datetime, lease: timedelta) -> None:
        """This worker's to send for `lease`: no other claims it or merges it meanwhile. A
        worker that dies mid-send lets the lease run out, and the row is due again."""
        self.next_attempt_at = self.claimed_until = now + lease

    def claimed(self, now: datetime) -> bool:
        return self.claimed_until is not None and self.claimed_until > now

    def merge_into(self, primary: Notification) -> None:
        self.status, self.merged_into = "coalesced", primary.id

    def unmerge(self, now: datetime) -> None:
        """Out of the burst it was merged into, which will not carry it: due now on its own."""
        self.status, self.merged_into, self.next_attempt_at = "pending", None, now


class DeliveryAttempt:
    def __init__(self, notification_id: str, channel_id: str | None, at: datetime,
                 result: SendResult, outcome: str, id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.notification_id = notification_id
        self.channel_id = channel_id
        self.at = at
        self.status_code = result.status
        self.error = result.error or (None if outcome == "sent" else result.body[:500])
        self.outcome = outcome
        self.duration_ms = result.duration_ms
