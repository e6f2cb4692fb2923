"""What a receiver's refusal of a message means, one rule table per channel type.

A refusal no retry can fix fails the message at once; some also disable the channel (it is
gone or revoked), and some tell the team's leads though the channel stays on. Other failures
are retried (see `RetryPolicy`); some of those disable the channel once a message has spent
its retries on them.

- Slack (and a Slack response_url): 400 invalid_payload, 403 action_prohibited,
  404 channel_not_found and 410 channel_is_archived disable the channel.
- Signed webhooks: 404 and 410 disable the channel; 400 and 422 are the receiver's rule about
  that one message (the same bytes would be refused again) and fail it only, and a 422 (the
  receiver refusing what we send, its schema say) tells the leads; 401 and 403 are more often
  a receiver mid-change (a secret being rotated) than gone for good: retried, and disabling
  the channel only when a message has spent its retries on them.
- Teams: see `domain.teams` (any 4xx but 408/425/429 disables; 413 fails that message only).
- Mail (no channel): an SMTP 5xx on RCPT or DATA, the address refused or bounced it.
- Any channel type: a permanent redirect (301, 308) disables the channel, naming where it
  points: redirects are never followed (server-side request forgery), so every retry would
  get the same answer; the lead gives the channel its new URL (`Channel.move_to`), which
  enables it again. A temporary redirect (302, 303, 307) may be a receiver mid-move: it is
  retried, and disables the channel, naming where it points, once a message has spent its
  retries on it (a login page or a proxy answering every request so takes no more days).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.notifications.domain import teams
from services.notifications.domain.channel import REFUSED_EVERY_RETRY, SIGNATURE_REFUSALS, Channel

if TYPE_CHECKING:
    from services.notifications.domain.notification import SendResult

SLACK_ERRORS = {
    400: "invalid_payload",
    403: "action_prohibited",
    404: "channel_not_found",
    410: "channel_is_archived",
}
PERMANENT_REDIRECTS = (301, 308)
TEMPORARY_REDIRECTS = (302, 303, 307)
CHANNEL_REFUSED = "channel.refused"  # the leads' notice of it, in their feed (no event's type)
REASON_LENGTH = 500
GIVE_UP_LENGTH = 120  # of the receiver's answer, in the reason a channel is disabled for
DISABLED_LENGTH = 200  # of the reason a channel is disabled for


@dataclass(frozen=True)
class Refusal:
    """The message fails for `reason`; it `disables` the channel, or `tells_leads` that the
    channel refused it while the channel stays on."""

    reason: str
    disables: bool = False
    tells_leads: bool = False


def _answered(names: Mapping[int, str]) -> Callable[[SendResult], str]:
    """The reason a refusal is, as Slack and signed webhooks give it: the status and the
    receiver's answer, or, when it answered nothing, the status's name in `names` ("refused"
    for one it does not name)."""
    def reason(result: SendResult) -> str:
        said = result.body or names.get(result.status, "refused")
        return f"{result.status} {said}"[:REASON_LENGTH]
    return reason


def _moved(result: SendResult) -> Refusal:
    """A permanent redirect: the webhook's URL is no longer where it is."""
    reason = f"{result.status} moved permanently (give the channel its new URL): {_where(result)}"
    return Refusal(reason[:REASON_LENGTH], disables=True)


def _redirected(result: SendResult) -> str:
    """Why a channel is disabled when a message's last retry was redirected (the retries
    before it may have met other failures: only the last answer is kept)."""
    return (f"{result.status} redirected at a message's last retry (give the channel the URL "
            f"that takes its messages): {_where(result)}")[:DISABLED_LENGTH]


def _where(result: SendResult) -> str:
    """Where a redirect, never followed, pointed (`WebhookClient` names its Location)."""
    return result.error or "redirect not followed"


def _teams_reason(result: SendResult) -> str:
    return teams.refusal_reason(result.status, result.body)


@dataclass(frozen=True)
class RefusalRules:
    """How one channel type's refusals are met: `disables` the channel at once; `fails` that
    message only, telling the leads of those in `told`; `retried_then_disables`: retried like
    any failure, the channel disabled once a message has spent its retries on one."""

    disables: Callable[[int | None], bool]
    reason: Callable[[SendResult], str]
    fails: tuple[int, ...] = ()
    told: tuple[int, ...] = ()
    retried_then_disables: tuple[int, ...] = ()

    def refusal(self, result: SendResult) -> Refusal | None:
        """The refusal `result` is, if no retry can fix it; else None."""
        if result.status in PERMANENT_REDIRECTS:
            return _moved(result)
        if result.status in self.fails:
            return Refusal(self.reason(result), tells_leads=result.status in self.told)
        if self.disables(result.status):
            return Refusal(self.reason(result), disables=True)
        return None

    def gives_up_on(self, result: SendResult) -> str | None:
        """Why the channel is disabled when a message has spent its retries on `result`, if
        it is one of `retried_then_disables` or a temporary redirect; else None."""
        if result.status in TEMPORARY_REDIRECTS:
            return _redirected(result)
        if result.status not in self.retried_then_disables:
            return None
        answer = f"{result.status} {result.body.strip() or 'refused'}"[:GIVE_UP_LENGTH]
        return f"{answer} {REFUSED_EVERY_RETRY}"


SLACK = RefusalRules(disables=lambda status: status in SLACK_ERRORS, reason=_answered(SLACK_ERRORS))
WEBHOOK = RefusalRules(disables=lambda status: status in (404, 410), reason=_answered({}),
                       fails=(400, 422), told=(422,), retried_then_disables=SIGNATURE_REFUSALS)
TEAMS = RefusalRules(disables=teams.disables_channel, reason=_teams_reason,
                     fails=(teams.TOO_LARGE,))
RULES = {"slack": SLACK, "webhook": WEBHOOK, "teams": TEAMS}


def rules_for(channel: Channel | None) -> RefusalRules:
    """The rules of `channel`'s type; Slack's for a message with no channel (a response_url)."""
    return RULES[channel.type] if channel is not None else SLACK


def tells_leads(result: SendResult, channel: Channel | None) -> bool:
    """Whether a message `channel` refused with `result` is one the leads hear of."""
    found = rules_for(channel).refusal(result)
    return found is not None and found.tells_leads


def refusal(result: SendResult, channel: Channel | None, *, email: bool = False) -> Refusal | None:
    """The refusal `result` is for a message to `channel` (or by mail), if no retry can fix it;
    else None."""
    if email:
        return Refusal(f"{result.status} {result.body}"[:REASON_LENGTH]) if result.refused else None
    return rules_for(channel).refusal(result)
