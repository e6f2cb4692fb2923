"""Notifications and their delivery attempts, with the retry rules of one attempt's result."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifications.domain import teams
from services.notifications.domain.channel import Channel
from shared.domain import Aggregate

PERMANENT_FAILURES = {
    400: "invalid_payload",
    403: "action_prohibited",
    404: "channel_not_found",
    410: "channel_is_archived",
}
RETRY_AFTER_STATUSES = (429, 503)  # the answers whose Retry-After says when to come back
# A signed webhook refusing the request: more often a receiver mid-change (a secret being
# rotated, a proxy misconfigured) than gone for good, so retried; the channel is disabled
# only when a message has spent its retries on it.
WEBHOOK_REFUSALS = (401, 403)
# A signed webhook's 400 or 422 is the receiver's rule about that one message: the same bytes
# would be refused again, so it fails that message only and the channel stays on.
WEBHOOK_MESSAGE_REFUSALS = (400, 422)
# A 422 is the receiver refusing what we send (its schema, say): the leads are told, as a 400
# of one message the receiver does not want (an event type it does not know) needs no one.
WEBHOOK_TOLD_REFUSALS = (422,)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed delivery is tried again."""

    max_attempts: int = 300  # about a day at the 5-minute cap: an outage delays, never loses
    backoff_base: float = 1.0
    backoff_cap: float = 300.0
    retry_after_cap: float = 3600.0  # a receiver asking for longer is tried again in an hour

    def wait(self, result: SendResult, attempts: int, rng: random.Random) -> float:
        """`Retry-After` on 429 and 503 (at most `retry_after_cap`), else exponential backoff
        with jitter (half to full step)."""
        asked = self.asked(result)
        if asked is not None:
            return asked
        step = min(self.backoff_cap, self.backoff_base * 2 ** (attempts - 1))
        return step * rng.uniform(0.5, 1)

    def asked(self, result: SendResult) -> float | None:
        """The wait the receiver asked for with `Retry-After` on 429 or 503, capped; else None."""
        if result.status in RETRY_AFTER_STATUSES and result.retry_after is not None:
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


def gives_up_on(result: SendResult, channel: Channel | None) -> str | None:
    """Why the channel is disabled when a message has spent its retries on `result`: a signed
    webhook that kept refusing the request (`WEBHOOK_REFUSALS`); else None."""
    if channel is None or channel.type != "webhook" or result.status not in WEBHOOK_REFUSALS:
        return None
    return f"{result.status} {result.body.strip() or 'refused'}"[:120] + " (refused every retry)"


def tells_leads(result: SendResult, channel: Channel | None) -> bool:
    """Whether a message failed on `result` is one the team's leads hear of although the
    channel stays on: a signed webhook refusing what we send (`WEBHOOK_TOLD_REFUSALS`)."""
    return (channel is not None and channel.type == "webhook"
            and result.status in WEBHOOK_TOLD_REFUSALS)


def permanent_failure(result: SendResult, channel: Channel | None,
                      email: bool = False) -> tuple[str, bool] | None:
    """An answer no retry can fix: (why, whether it disables the channel), else None.

    Slack and signed webhooks: the errors of `PERMANENT_FAILURES`, but a webhook's 401 and 403
    are retried (see `gives_up_on`) and its 400 and 422 fail that message only (a 422 tells
    the leads, see `tells_leads`). Teams: any 4xx but
    408/425/429 (the workflow is gone, off or revoked), and 413, which fails that message only
    (see `domain.teams`).
    Email: an SMTP 5xx on RCPT or DATA, the address refused or bounced it."""
    if email:
        return (f"{result.status} {result.body}"[:500], False) if result.refused else None
    if channel is not None and channel.type == "webhook":
        if result.status in WEBHOOK_REFUSALS:
            return None
        if result.status in WEBHOOK_MESSAGE_REFUSALS:
            return f"{result.status} {result.body or 'refused'}"[:500], False
    if channel is not None and channel.type == "teams":
        if teams.disables_channel(result.status) or teams.fails_message(result.status):
            return (teams.refusal_reason(result.status, result.body),
                    teams.disables_channel(result.status))
        return None
    reason = PERMANENT_FAILURES.get(result.status)
    if reason is None:
        return None
    return f"{result.status} {result.body or reason}", True


class Notification(Aggregate):
    """One message for one target (a channel, a member's feed, a mail, or a Slack response_url).

    Statuses: pending (the deliverer sends it), held (quiet hours, shown at `next_attempt_at`),
    digest (waits for the member's digest), sent, failed, coalesced (merged into `merged_into`),
    digested (folded into a digest), muted (held, then its type muted: shown nowhere).
    """

    def __init__(self, team_id: str, target: str, event_id: str, event_type: str, body: str, *,
                 created_at: datetime, summary: str = "", channel_id: str | None = None,
                 recipient_id: str | None = None, url: str | None = None,
                 status: str = "pending", due_at: datetime | None = None, id: str | None = None):
        self.id = id or str(uuid.uuid4())
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
        self.claimed_until: datetime | None = None  # a worker's, sending it, until then
        self.last_error: str | None = None
        self.created_at = created_at
        self.sent_at: datetime | None = created_at if status == "sent" else None
        self.read_at: datetime | None = None
        self.merged_into: str | None = None

    def record_attempt(self, result: SendResult, now: datetime, channel: Channel | None,
                       retry: RetryPolicy, rng: random.Random) -> str:
        """Apply one attempt's result (a permanent Slack error disables `channel`, as does a
        signed webhook's refusal once the retries are spent; a Retry-After holds all of it);
        returns sent, retry or failed. A row merged into a burst after its claim ran out keeps
        `coalesced`: the burst's message carries it."""
        self.attempts += 1
        self.claimed_until = None
        if self.status == "coalesced":
            return self.status
        if result.ok:
            self.status, self.sent_at, self.last_error = "sent", now, None
            return "sent"
        refusal = permanent_failure(result, channel, email=self.is_email)
        if refusal is not None:
            reason, disables = refusal
            self.status, self.last_error = "failed", reason
            if disables and channel is not None:
                channel.disable(reason[:200])
            return "failed"
        self.last_error = result.error or f"{result.status} {result.body}"[:500]
        if self.attempts >= retry.max_attempts:
            self.status = "failed"
            if (reason := gives_up_on(result, channel)) is not None:
                channel.disable(reason)
            return "failed"
        self.next_attempt_at = now + timedelta(seconds=retry.wait(result, self.attempts, rng))
        if channel is not None and retry.asked(result) is not None:
            channel.hold_until(self.next_attempt_at)
        return "retry"

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
