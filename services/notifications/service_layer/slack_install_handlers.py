"""Installing the Slack app for a team (OAuth v2), linking Slack users to members, and
disabling a workspace whose tokens Slack revoked.

1. A lead asks for an install link (`IssueSlackInstallLink`): a one-time ticket for their team.
2. The browser opens it (`StartSlackInstall`): the ticket gets an OAuth state from slack-sdk's
   state store and the browser goes on to Slack's authorize page.
3. Slack redirects back (`FinishSlackInstall`): the state is consumed, the code exchanged with
   `oauth.v2.access`, the installation stored in slack-sdk's installation store, and the team
   linked to the workspace. The Slack user who approved it is linked to the installing lead,
   unless that Slack user is a teammate's: the install stands and `Installed.unlinked` says
   why the link was skipped. An install in another workspace than the team's moves it there:
   the members' Slack users are the old workspace's, so they are unlinked (`Installed.moved`)
   and link again from the app's Home tab in the new one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifications.adapters.slack_client import (
    SlackClient,
    SlackUnavailable,
    SlackUndeliverable,
)
from services.notifications.config import NotificationsSettings
from services.notifications.domain.replicas import MemberReplica
from services.notifications.domain.slack_workspace import (
    UNLINKED,
    InstallTicket,
    SlackIdentity,
    SlackWorkspace,
)
from services.notifications.service_layer.access import ensure_lead
from services.notifications.service_layer.commands import (
    FinishSlackInstall,
    GetSlackWorkspace,
    IssueSlackInstallLink,
    LinkMySlackAccount,
    LinkSlackUser,
    SlackAppRevoked,
    StartSlackInstall,
)
from services.notifications.service_layer.slack_home_handlers import queue_home
from services.notifications.service_layer.slack_task_handlers import disable_revoked
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.domain import BadRequest, Conflict, Forbidden, NotFound, Unavailable


@dataclass(frozen=True)
class InstallLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class Installed:
    team_id: str
    slack_team_id: str
    slack_team_name: str | None
    unlinked: str | None = None  # why the installer was not linked to the approving user
    moved: str | None = None  # who was unlinked by a move from another workspace


@dataclass(frozen=True)
class Move:
    left: str  # the Slack workspace the team used before
    unlinked: list[str]  # the members unlinked from its Slack users

    def said(self, uow: NotificationsUnitOfWork) -> str:
        """What the install page says: how many members are still unlinked (the installer
        may have been linked again) and how they link."""
        count = sum(uow.slack.slack_user_of(m) is None for m in self.unlinked)
        moved = f"Goalkeeper moved here from the Slack workspace {self.left}"
        if not count:
            return f"{moved}; no member is left linked to a Slack user there."
        members = f"{count} member{'s' if count != 1 else ''}"
        return (f"{moved}: the links of {members} to its Slack users were dropped. Reminders "
                "do not reach them until each opens Goalkeeper's Home tab in this workspace "
                "and presses Link my Goalkeeper account.")


@dataclass(frozen=True)
class SlackLink:
    member_id: str
    slack_user_id: str


def issue_install_link(cmd: IssueSlackInstallLink, uow: NotificationsUnitOfWork, clock: Clock,
                       settings: NotificationsSettings) -> InstallLink:
    """A lead's one-time install link; a 409 naming the settings when the service has no
    Slack app to install (Slack's authorize page would only show its error)."""
    ensure_lead(cmd.actor, cmd.team_id)
    if not (settings.slack_client_id and settings.slack_client_secret):
        raise Conflict("Slack installation is not configured: set SLACK_CLIENT_ID and "
                       "SLACK_CLIENT_SECRET on the notifications service")
    with uow:
        ticket = InstallTicket(cmd.team_id, cmd.actor.member_id, clock.now())
        uow.slack.add(ticket)
        uow.commit()
    url = f"{settings.slack_app_url.rstrip('/')}/slack/install?ticket={ticket.ticket}"
    return InstallLink(url, ticket.expires_at)


def start_install(cmd: StartSlackInstall, uow: NotificationsUnitOfWork, clock: Clock,
                  slack: SlackClient) -> str:
    """The Slack authorize URL the installer's browser goes to next."""
    with uow:
        ticket = uow.slack.install_ticket(cmd.ticket)
        if ticket is None or not ticket.usable(clock.now()):
            raise Forbidden("this install link is unknown, used or expired; ask for a new one")
    state = slack.issue_state()  # slack-sdk's state store writes on its own connection
    with uow:
        uow.slack.install_ticket(cmd.ticket).oauth_state = state
        uow.commit()
    return slack.authorize_url(state)


def finish_install(cmd: FinishSlackInstall, uow: NotificationsUnitOfWork, clock: Clock,
                   slack: SlackClient) -> Installed:
    """Finish the install Slack's redirect names by its OAuth state. The redirect opened again
    once it is done (the lead reloads the page) answers that it is installed, as the first
    time did."""
    if cmd.error:
        raise BadRequest(f"Slack did not install the app: {cmd.error}")
    if done := _installed_already(uow, cmd.state):
        return done
    if not cmd.state or not slack.consume_state(cmd.state):
        raise Forbidden("unknown or expired OAuth state; start the install again")
    with uow:
        ticket = uow.slack.ticket_for_state(cmd.state)
        if ticket is None or not ticket.usable(clock.now()):
            raise Forbidden("unknown or expired OAuth state; start the install again")
    try:  # oauth.v2.access, then slack-sdk's installation store (its own connection)
        installation = slack.install(cmd.code)
    except SlackUndeliverable as exc:
        raise BadRequest(f"Slack refused the code: {exc}") from exc
    except SlackUnavailable as exc:
        raise _busy(exc.retry_after, ticket.expires_at, clock.now(), slack, cmd.state) from exc
    with uow:
        ticket = uow.slack.ticket_for_state(cmd.state)
        now = clock.now()
        ticket.used_at = now
        move = _link_workspace(uow, ticket, installation.team_id or "",
                               installation.enterprise_id, now)
        unlinked = (_link_installer(uow, ticket, installation.user_id, now)
                    if installation.user_id else None)
        moved = move.said(uow) if move is not None else None
        uow.commit()
        return Installed(ticket.team_id, installation.team_id or "", installation.team_name,
                         unlinked, moved)


RELOAD_WITHIN = timedelta(minutes=5)
"""How long after Slack was busy the install's redirect may be opened again: within the lives
of Slack's code and of the OAuth state made good again (10 minutes each)."""


def _busy(asked: float | None, ticket_expires_at: datetime, now: datetime, slack: SlackClient,
          state: str) -> Unavailable:
    """What the lead is told when Slack could not exchange the code (a 429, an outage). While
    its code is still good, the redirect is too (its OAuth state made good again, `state`):
    reload it when Slack asked (in a minute, if it did not say); a wait that outlives the
    code, the state or the install ticket, start again."""
    wait = timedelta(seconds=asked if asked is not None else 60)
    if wait <= RELOAD_WITHIN and now + wait < ticket_expires_at:
        slack.restore_state(state)
        seconds = max(1, math.ceil(wait.total_seconds()))
        when = "in a minute" if asked is None else f"in {seconds} second{'s' * (seconds > 1)}"
        return Unavailable(f"Slack is busy and did not install it yet; reload this page {when}")
    minutes = math.ceil(wait.total_seconds() / 60)
    return Unavailable("Slack is busy and did not install it; start the install again with a "
                       f"new install link in {minutes} minutes")


def _installed_already(uow: NotificationsUnitOfWork, state: str) -> Installed | None:
    with uow:
        ticket = uow.slack.ticket_for_state(state) if state else None
        workspace = uow.slack.workspace(ticket.team_id) if ticket is not None else None
        if ticket is None or not ticket.made(workspace):
            return None
        return Installed(ticket.team_id, workspace.slack_team_id, None)


def _link_installer(uow: NotificationsUnitOfWork, ticket: InstallTicket, slack_user_id: str,
                    now: datetime) -> str | None:
    """Link the installing lead to the Slack user who approved the install; when the lead
    already has another Slack user (a workspace admin approved it for them, say), or that
    Slack user is already a teammate's (as `_refuse_a_teammates` refuses it to a lead's link),
    leave the links as they are and say so instead."""
    current = uow.slack.slack_user_of(ticket.member_id)
    if current is not None and current != slack_user_id:
        return (f"You stay linked to your Slack user {current}: the install was approved by "
                f"another Slack user ({slack_user_id}).")
    holder = _teammate_holding(uow, slack_user_id, ticket.team_id, ticket.member_id)
    if holder is not None:
        return (f"Your Slack user {slack_user_id} was not linked to you: it is already "
                f"{holder.name}'s in this team. If it is yours, link {holder.name} to their own "
                "Slack user first, then open the app's Home tab in Slack to link yourself.")
    _link(uow, ticket.member_id, ticket.team_id, slack_user_id, ticket.member_id, now)
    return None


def link_slack_user(cmd: LinkSlackUser, uow: NotificationsUnitOfWork,
                    clock: Clock) -> SlackLink:
    ensure_lead(cmd.actor, cmd.team_id)
    with uow:
        member = uow.replicas.member(cmd.member_id)
        if member is None or member.team_id != cmd.team_id:
            raise NotFound(f"member {cmd.member_id} not found")
        _refuse_a_teammates(uow, cmd.slack_user_id, member.team_id, member.member_id)
        _link(uow, member.member_id, member.team_id, cmd.slack_user_id, cmd.actor.member_id,
              clock.now())
        uow.commit()
        return SlackLink(member.member_id, cmd.slack_user_id)


def _refuse_a_teammates(uow: NotificationsUnitOfWork, slack_user_id: str, team_id: str,
                        member_id: str) -> None:
    """A Slack user is one member's in a team: the 409 saying whose when it is already another
    member's there, as goals answers a profile naming a teammate's. The team's row is locked
    first, so two links of one Slack user in a team take turns and the second sees the first."""
    holder = _teammate_holding(uow, slack_user_id, team_id, member_id)
    if holder is not None:
        raise _taken(slack_user_id, holder)


def _teammate_holding(uow: NotificationsUnitOfWork, slack_user_id: str, team_id: str,
                      member_id: str) -> MemberReplica | None:
    """The member of the team other than `member_id` whose Slack user `slack_user_id` is, if
    any; the team's row is locked first, so links of one Slack user in a team take turns."""
    uow.replicas.team(team_id, for_update=True)
    return next((m for m in uow.slack.members_for(slack_user_id)
                 if m.team_id == team_id and m.member_id != member_id), None)


def _taken(slack_user_id: str, holder: MemberReplica) -> Conflict:
    return Conflict(f"Slack user {slack_user_id} is already {holder.name}'s in this team: link "
                    f"{holder.name} to their own Slack user first", errors={
                        "slack_user_id": [f"Already the Slack user of {holder.name} "
                                          f"(member {holder.member_id})."]})


def link_my_slack_account(cmd: LinkMySlackAccount, uow: NotificationsUnitOfWork,
                          clock: Clock) -> SlackLink:
    """A member opens the link the app offered them in Slack while signed in to Goalkeeper.
    The member it linked sending it again is answered as the first time (`LinkTicket.made`);
    the ticket is locked while redeemed, so a copy sent at the same time reads it used. A
    Slack user already a teammate's (through another ticket, say) is refused with 409."""
    with uow:
        now = clock.now()
        ticket = uow.slack.link_ticket(cmd.ticket, for_update=True)
        if ticket is not None and ticket.made(uow.slack.identity(cmd.actor.member_id)):
            return SlackLink(cmd.actor.member_id, ticket.slack_user_id)
        if ticket is None or not ticket.usable(now):
            raise Forbidden("this link is unknown, used or expired; open the app in Slack again")
        workspace = uow.slack.workspace(cmd.actor.team_id)
        if workspace is None or workspace.slack_team_id != ticket.slack_team_id:
            raise Forbidden("your team has not installed Goalkeeper in that Slack workspace")
        _refuse_a_teammates(uow, ticket.slack_user_id, cmd.actor.team_id, cmd.actor.member_id)
        ticket.use(cmd.actor.member_id, now)
        _link(uow, cmd.actor.member_id, cmd.actor.team_id, ticket.slack_user_id,
              cmd.actor.member_id, now)
        uow.commit()
        return SlackLink(cmd.actor.member_id, ticket.slack_user_id)


def disable_workspace(cmd: SlackAppRevoked, uow: NotificationsUnitOfWork, clock: Clock,
                      slack: SlackClient) -> None:
    """Stop every call to the workspace: its links disabled, its tasks dropped, its tokens
    deleted (`disable_revoked`, as when a call finds them revoked). A retried delivery of the
    event does nothing (the lead may have installed the app again since)."""
    with uow:
        if not uow.slack_events.take(cmd.event_id, cmd.reason, clock.now()):
            return
        disable_revoked(uow, cmd.slack_team_id, cmd.reason, clock.now())
        uow.commit()
    slack.forget(cmd.slack_team_id, cmd.enterprise_id)


def _link_workspace(uow: NotificationsUnitOfWork, ticket: InstallTicket, slack_team_id: str,
                    enterprise_id: str | None, now: datetime) -> Move | None:
    """Install the team in `slack_team_id`; the move, when the team used another workspace:
    its members are unlinked from that workspace's Slack users."""
    workspace = uow.slack.workspace(ticket.team_id)
    if workspace is None:
        uow.slack.add(SlackWorkspace(ticket.team_id, slack_team_id, enterprise_id,
                                     ticket.member_id, now))
        return None
    move = None
    if workspace.moves_to(slack_team_id):
        move = Move(workspace.slack_team_id,
                    _unlink_members(uow, ticket.team_id, ticket.member_id, now))
    workspace.reinstalled(slack_team_id, enterprise_id, ticket.member_id, now)
    return move


def _unlink_members(uow: NotificationsUnitOfWork, team_id: str, by: str,
                    now: datetime) -> list[str]:
    """Unlink every member of the team who is a Slack user (linked, or named by their
    profile), so DMs and Homes go to none of them until they link again; their ids."""
    unlinked = []
    for member in uow.slack.members_in_slack(team_id):
        identity = uow.slack.identity(member.member_id)
        if identity is None:
            identity = SlackIdentity(member.member_id, team_id, UNLINKED, by, now)
            uow.slack.add(identity)
        identity.unlink(by, now)
        unlinked.append(member.member_id)
    return unlinked


def _link(uow: NotificationsUnitOfWork, member_id: str, team_id: str, slack_user_id: str,
          by: str, now: datetime) -> None:
    identity = uow.slack.identity(member_id)
    if identity is None:
        uow.slack.add(SlackIdentity(member_id, team_id, slack_user_id, by, now))
    else:
        identity.slack_user_id, identity.linked_by, identity.linked_at = slack_user_id, by, now
    queue_home(uow, team_id, member_id, now)


@dataclass(frozen=True)
class WorkspaceStatus:
    installed: bool
    state: str | None = None
    slack_team_id: str | None = None
    disabled_reason: str | None = None


def get_slack_workspace(cmd: GetSlackWorkspace, reader: NotificationsUnitOfWork) -> WorkspaceStatus:
    ensure_lead(cmd.actor, cmd.team_id)
    with reader:
        workspace = reader.slack.workspace(cmd.team_id)
        if workspace is None:
            return WorkspaceStatus(False)
        return WorkspaceStatus(workspace.is_active, workspace.state, workspace.slack_team_id,
                               workspace.disabled_reason)
