"""A Goalkeeper team's link to the Slack workspace that installed the app, and who is who there.

The Slack tokens themselves live in slack-sdk's installation store; this side only says which
workspace a team uses, whether the app may still call it, how an install was started (a lead's
one-time ticket, then an OAuth state), and which Slack user is which member.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

INSTALL_TICKET_TTL = timedelta(minutes=15)
LINK_TICKET_TTL = timedelta(hours=24)
# An Events API delivery's `event_id` is kept this long, so a retry of it has no second effect.
# Slack retries three times within about five minutes; a day is that window many times over.
SLACK_EVENTS_KEPT = timedelta(days=1)
SLACK_EVENT_ID_MAX = 64  # Slack's ids are about ten characters ("Ev0PV52K25")


class SlackWorkspace:
    """`state` is `active` while the app may call Slack for this team, `disabled` after Slack
    said its tokens were revoked or the app was uninstalled."""

    def __init__(self, team_id: str, slack_team_id: str, enterprise_id: str | None,
                 installed_by: str, installed_at: datetime):
        self.team_id = team_id
        self.slack_team_id = slack_team_id
        self.enterprise_id = enterprise_id
        self.installed_by = installed_by
        self.installed_at = installed_at
        self.state = "active"
        self.disabled_reason: str | None = None
        self.disabled_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        return self.state == "active"

    def moves_to(self, slack_team_id: str) -> bool:
        """Whether installing in `slack_team_id` moves the team to another workspace, whose
        Slack users are other people than this one's."""
        return slack_team_id != self.slack_team_id

    def reinstalled(self, slack_team_id: str, enterprise_id: str | None, by: str,
                    at: datetime) -> None:
        self.slack_team_id, self.enterprise_id = slack_team_id, enterprise_id
        self.installed_by, self.installed_at = by, at
        self.state, self.disabled_reason, self.disabled_at = "active", None, None

    def disable(self, reason: str, at: datetime) -> None:
        if self.is_active:
            self.state, self.disabled_reason, self.disabled_at = "disabled", reason, at


class InstallTicket:
    """A lead's one-time permission to install the app for their team; becomes an OAuth
    `state` when the browser follows the install link, and is spent by the redirect."""

    def __init__(self, team_id: str, member_id: str, now: datetime, ticket: str | None = None):
        self.ticket = ticket or secrets.token_urlsafe(24)
        self.team_id = team_id
        self.member_id = member_id
        self.expires_at = now + INSTALL_TICKET_TTL
        self.oauth_state: str | None = None
        self.used_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def made(self, workspace: SlackWorkspace | None) -> bool:
        """Whether this ticket made the team's installation as it is now (still active, not
        installed again since): Slack's redirect opened again (a reload) finds it done."""
        return (self.used_at is not None and workspace is not None and workspace.is_active
                and workspace.installed_at == self.used_at)


UNLINKED = ""  # the Slack user of a member unlinked by a move to another workspace


class SlackIdentity:
    """Which Slack user a member is, set by a lead or by the member following a link; none
    (`UNLINKED`) once the team moved to another workspace, until they link again there (the
    Slack user their profile names is the old workspace's too)."""

    def __init__(self, member_id: str, team_id: str, slack_user_id: str, linked_by: str,
                 linked_at: datetime):
        self.member_id = member_id
        self.team_id = team_id
        self.slack_user_id = slack_user_id
        self.linked_by = linked_by
        self.linked_at = linked_at

    def unlink(self, by: str, at: datetime) -> None:
        self.slack_user_id, self.linked_by, self.linked_at = UNLINKED, by, at

    @property
    def is_unlinked(self) -> bool:
        return self.slack_user_id == UNLINKED


class LinkTicket:
    """Offered in Slack to a user the app does not know: opened by a signed-in member, it
    links that member to the Slack user it was offered to."""

    def __init__(self, slack_team_id: str, slack_user_id: str, now: datetime,
                 ticket: str | None = None):
        self.ticket = ticket or secrets.token_urlsafe(24)
        self.slack_team_id = slack_team_id
        self.slack_user_id = slack_user_id
        self.expires_at = now + LINK_TICKET_TTL
        self.used_at: datetime | None = None
        self.used_by: str | None = None  # the member it linked

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at

    def use(self, member_id: str, now: datetime) -> None:
        self.used_at, self.used_by = now, member_id

    def made(self, identity: SlackIdentity | None) -> bool:
        """True when this ticket linked `identity`'s member, who is still its Slack user: the
        same member sending it again (a double click, a resend after a timeout) is answered
        as the first time, while anyone else is refused."""
        return (identity is not None and self.used_by == identity.member_id
                and identity.slack_user_id == self.slack_user_id)
