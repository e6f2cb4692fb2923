"""The commands and queries of the notifications API: the one input of every use case.

`actor` is the member calling (from the bearer token); a slash command's actor is the Slack
user whose request Slack signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.auth import Principal
from shared.idempotency import IdempotentRequest


# -- channels, delivery log and team digest (leads) -----------------------------------------
@dataclass(frozen=True)
class AddChannel:
    actor: Principal
    team_id: str
    type: str
    webhook_url: str
    name: str = ""
    event_types: tuple[str, ...] = ()
    health: tuple[str, ...] = ()
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ListChannels:
    actor: Principal
    team_id: str


@dataclass(frozen=True)
class GetChannel:
    actor: Principal
    team_id: str
    channel_id: str


@dataclass(frozen=True)
class ChangeChannel:
    actor: Principal
    team_id: str
    channel_id: str
    name: str | None = None
    webhook_url: str | None = None
    event_types: tuple[str, ...] | None = None
    health: tuple[str, ...] | None = None
    state: str | None = None


@dataclass(frozen=True)
class DeleteChannel:
    actor: Principal
    team_id: str
    channel_id: str


@dataclass(frozen=True)
class RotateChannelSecret:
    """A lead replaces a webhook channel's signing secret (the old one signs for a while yet)."""

    actor: Principal
    team_id: str
    channel_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class SendTestMessage:
    """A lead checks a channel: one test message through the normal delivery machinery."""

    actor: Principal
    team_id: str
    channel_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ListDeliveries:
    actor: Principal
    team_id: str
    limit: int
    cursor: str | None = None
    status: str | None = None
    channel_id: str | None = None


@dataclass(frozen=True)
class GetTeamDigest:
    actor: Principal
    team_id: str


@dataclass(frozen=True)
class SetTeamDigest:
    actor: Principal
    team_id: str
    weekday: int
    hour: int
    enabled: bool = True


# -- the caller's own feed and preferences ---------------------------------------------------
@dataclass(frozen=True)
class ListFeed:
    actor: Principal
    limit: int
    cursor: str | None = None
    unread_only: bool = False


@dataclass(frozen=True)
class CountUnread:
    actor: Principal


@dataclass(frozen=True)
class MarkRead:
    """Mark `ids` read, or every unread item when `ids` is None."""

    actor: Principal
    ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class GetPreferences:
    actor: Principal


@dataclass(frozen=True)
class SetPreferences:
    actor: Principal
    muted: tuple[str, ...] = ()
    delivery: str = "immediate"
    digest: str = "daily"
    quiet_start: str | None = None
    quiet_end: str | None = None


# -- Slack ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunSlashCommand:
    """`/goals <text>` from the Slack user `slack_user_id` of the workspace `slack_team_id`;
    answers later go to `response_url`. `trigger_id` is Slack's id of this invocation (the
    same in a replay of the request)."""

    slack_user_id: str
    text: str
    response_url: str = ""
    slack_team_id: str = ""
    trigger_id: str = ""


# -- the Slack app ---------------------------------------------------------------------------
@dataclass(frozen=True)
class IssueSlackInstallLink:
    actor: Principal
    team_id: str


@dataclass(frozen=True)
class GetSlackWorkspace:
    actor: Principal
    team_id: str


@dataclass(frozen=True)
class StartSlackInstall:
    """A browser following an install link's one-time `ticket`."""

    ticket: str


@dataclass(frozen=True)
class FinishSlackInstall:
    """Slack's OAuth redirect: the `code` to exchange and the `state` issued at the start."""

    code: str
    state: str
    error: str | None = None


@dataclass(frozen=True)
class LinkSlackUser:
    actor: Principal
    team_id: str
    member_id: str
    slack_user_id: str


@dataclass(frozen=True)
class LinkMySlackAccount:
    actor: Principal
    ticket: str


@dataclass(frozen=True)
class SlackAppRevoked:
    """`tokens_revoked` (bot tokens) or `app_uninstalled` from a workspace; `event_id` is
    Slack's id of the event (the same in a retried delivery)."""

    slack_team_id: str
    enterprise_id: str | None
    reason: str
    event_id: str = ""


@dataclass(frozen=True)
class SlackHomeOpened:
    """`app_home_opened` on the Home tab; `event_id` as in `SlackAppRevoked`."""

    slack_team_id: str
    slack_user_id: str
    event_id: str = ""


@dataclass(frozen=True)
class OpenCheckinModal:
    """The "Check in" button: open the modal with the interaction's `trigger_id`."""

    slack_team_id: str
    enterprise_id: str | None
    slack_user_id: str
    trigger_id: str
    goal_id: str


@dataclass(frozen=True)
class SubmitCheckinModal:
    """The check-in modal on `goal_id` submitted; `values` is Slack's `view.state.values`."""

    slack_team_id: str
    slack_user_id: str
    view_id: str
    goal_id: str
    values: dict


# -- email ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unsubscribe:
    """A one-click unsubscribe (RFC 8058): the signed token from the mail is the only proof."""

    token: str
