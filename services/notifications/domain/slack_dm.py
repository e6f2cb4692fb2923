"""Direct messages the Slack app sends, and the queue of Slack Web API work the worker does.

A DM is recorded when its event is handled and sent later by the worker, which keeps Slack's
channel and `ts` so the message can be updated when the check-in it asks for is logged.
Every Web API call is a `SlackTask` in the same transaction as the state that needs it, so a
crash or a Slack outage loses nothing; the worker runs due tasks and retries failed ones.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from services.notifications.domain.notification import RetryPolicy, SendResult

REMINDER, MISSED = "reminder", "missed"


class SlackDm:
    def __init__(self, team_id: str, member_id: str, slack_user_id: str, goal_id: str,
                 owner_id: str, kind: str, due_at: datetime, event_id: str, created_at: datetime,
                 *, level: int | None = None, id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id = team_id
        self.member_id = member_id
        self.slack_user_id = slack_user_id
        self.goal_id = goal_id
        self.owner_id = owner_id
        self.kind = kind
        self.level = level
        self.due_at = due_at
        self.event_id = event_id
        self.created_at = created_at
        self.state = "pending"  # pending -> sent -> done (or done before it was ever sent)
        self.channel: str | None = None
        self.ts: str | None = None
        self.request_id: str | None = None
        self.done_at: datetime | None = None
        self.done_by: str | None = None
        self.checkin_id: str | None = None  # the check-in that answered it

    @property
    def asks_owner(self) -> bool:
        """The owner's own reminder carries the Check in button; escalations inform others."""
        return self.member_id == self.owner_id

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def sent(self, channel: str, ts: str) -> None:
        self.channel, self.ts = channel, ts
        if self.state == "pending":
            self.state = "sent"

    def checked_in(self, at: datetime, by: str, checkin_id: str | None = None) -> bool:
        """Mark the DM answered by `by`'s check-in; True when it was open until now."""
        if self.is_done:
            return False
        self.done_at, self.done_by, self.state = at, by, "done"
        self.checkin_id = checkin_id
        return True


class SlackTask:
    """One piece of Web API work: `dm` (open the IM, post), `update_dm` (chat.update),
    `rejected_dm` (open the IM, post why a check-in from the modal was refused), `answer_dm`
    (open the IM, post a slash command's answer, its response_url expired), `home`
    (views.publish of a member's App Home) or `link` (the Home of a Slack user not yet
    linked). `subject` is the DM's, Slack request's or member's id, or the link ticket."""

    def __init__(self, slack_team_id: str, kind: str, subject: str, now: datetime,
                 id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.slack_team_id = slack_team_id
        self.kind = kind
        self.subject = subject
        self.status = "pending"
        self.attempts = 0
        self.next_attempt_at = now
        self.last_error: str | None = None
        self.created_at = now
        self.done_at: datetime | None = None

    def succeeded(self, now: datetime) -> None:
        self.status, self.done_at, self.attempts = "done", now, self.attempts + 1

    def dropped(self, reason: str, now: datetime) -> None:
        """Nothing to do any more (app uninstalled, member unknown in Slack...)."""
        self.status, self.done_at, self.last_error = "dropped", now, reason

    def postpone(self, until: datetime) -> None:
        """Not yet: what the call should show is still on its way (not a failed attempt)."""
        self.next_attempt_at = until

    def failed(self, result: SendResult, now: datetime, retry: RetryPolicy,
               rng: random.Random) -> None:
        """Slack could not take the call now (unavailable, or rate limiting for longer than a
        call waits): tried again as a delivery is (`RetryPolicy`: backing off up to five
        minutes, or as long as Slack asked, at most an hour), given up only after the
        policy's attempts, about a day: a Slack outage delays a task, never loses it."""
        self.attempts += 1
        self.last_error = (result.error or "")[:500]
        if self.attempts >= retry.max_attempts:
            self.status, self.done_at = "failed", now
            return
        self.next_attempt_at = now + timedelta(seconds=retry.wait(result, self.attempts, rng))
