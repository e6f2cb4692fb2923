"""The `/goals` slash command: answer at once, send check-ins as commands, reply later.

A check-in becomes a `checkin.requested` command on `checkins.commands` (through the outbox);
its request id is kept with the Slack `response_url`, and when `checkin.logged` or
`checkin.rejected` with that request id comes back, the answer is posted to the response_url
(see `on_events`), through the same reliable delivery as every other notification, or DMed
once that URL no longer takes answers (`dm_answer`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from services.notifications.config import NotificationsSettings
from services.notifications.domain.messages import escape, team_tag
from services.notifications.domain.replicas import GoalReplica, MemberReplica
from services.notifications.domain.slash import (
    HELP,
    CheckinRequest,
    SlackRequest,
    SlashError,
    ephemeral,
    goals_text,
    parse_checkin,
    status_text,
    subcommand,
    typed,
)
from services.notifications.domain.webhook_url import validate_webhook_url
from services.notifications.service_layer.access import goals_to_check_in
from services.notifications.service_layer.commands import RunSlashCommand
from services.notifications.service_layer.slack_home_handlers import (
    home_workspace,
    team_names,
    teams_of_person,
)
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.domain import Unprocessable
from shared.numbers import figure

UNKNOWN_USER = ("I don't know your Slack account yet. Ask a team lead to add your Slack user id "
                "to your Goalkeeper profile, then try again.")
UNKNOWN_USER_HERE = ("I don't know your Slack account yet. Open Goalkeeper's *Home* tab here in "
                     "Slack and press *Link my Goalkeeper account* (or ask a team lead to link "
                     "you), then try again.")
OTHER_WORKSPACE = ("Your Goalkeeper team has installed Goalkeeper in another Slack workspace, "
                   "not this one: use `/goals` there.")
SLASH_REQUESTS = uuid.UUID("6f1d3c2e-8b47-4a90-9d5e-2c7b1a4e8f03")


def run_slash_command(cmd: RunSlashCommand, uow: NotificationsUnitOfWork, clock: Clock,
                      settings: NotificationsSettings) -> dict:
    """The immediate ephemeral answer to a slash command. `goals` and `checkin` reach the goals
    the member may check in on (their own and their team's team goals they see); `status`
    tells of their own."""
    verb = subcommand(cmd.text)
    if verb == "help":
        return ephemeral(HELP)
    with uow:
        members = uow.slack.members_for(cmd.slack_user_id, cmd.slack_team_id or None)
        if not members:
            return ephemeral(_stranger(uow, cmd))
        goals = sorted((g for m in members for g in goals_to_check_in(uow, m)),
                       key=lambda g: g.title)
        try:
            if verb == "goals":
                return ephemeral(goals_text(goals, _listed_teams(uow, goals)))
            if verb == "status":
                mine = {m.member_id for m in members}
                return ephemeral(status_text([g for g in goals if g.owner_id in mine],
                                             _listed_teams(uow, goals)))
            if verb == "checkin":
                teams = teams_of_person(uow, members)  # as `team_shown` names a goal's team
                return _checkin(parse_checkin(cmd.text, goals, teams), cmd, members, uow,
                                clock, settings.webhook_allowlist, teams)
        except SlashError as exc:
            return ephemeral(str(exc))
    return ephemeral(f"I don't know {typed(verb)}.\n{HELP}")


def _listed_teams(uow: NotificationsUnitOfWork, goals: list[GoalReplica]) -> dict[str, str]:
    """The team names a list of the open `goals` gives (`team_names`), as the Home does."""
    return team_names(uow, (g for g in goals if g.is_open))


def _stranger(uow: NotificationsUnitOfWork, cmd: RunSlashCommand) -> str:
    """What a Slack user the command cannot match to a member hears: to use the workspace
    their team installed; to link themself from the Home tab where a team installed the app
    (it offers the link there); else to ask a lead."""
    if uow.slack.members_for(cmd.slack_user_id):
        return OTHER_WORKSPACE
    if any(w.is_active for w in uow.slack.workspaces_in(cmd.slack_team_id)):
        return UNKNOWN_USER_HERE
    return UNKNOWN_USER


def _checkin(request: CheckinRequest, cmd: RunSlashCommand, members: list[MemberReplica],
             uow: NotificationsUnitOfWork, clock: Clock, allowlist: tuple[str, ...],
             teams: Mapping[str, str]) -> dict:
    """Send the check-in and acknowledge it, on the goal by its title (and its team's name
    from `teams`, `teams_of_person`)."""
    goal = request.goal
    member = next(m for m in members if m.team_id == goal.team_id)
    try:
        response_url = validate_webhook_url(cmd.response_url, allowlist, field="response_url")
    except Unprocessable as exc:
        raise SlashError("This request came without a usable Slack response_url, so I could "
                         "not confirm the result; nothing was logged.") from exc
    request_id, now = _request_id(cmd.trigger_id), clock.now()
    if uow.slack_requests.add_new(SlackRequest(request_id, member.team_id, member.member_id,
                                               goal.goal_id, response_url, now)):
        request_checkin(uow, request_id, member, goal, request.value, request.note, now)
        uow.commit()
    return ephemeral(f"⏳ Logging {_amount(request, goal)} on *{escape(goal.title)}*"
                     f"{team_tag(teams.get(goal.team_id))}; {_confirmed_where(uow, member)}.")


def _confirmed_where(uow: NotificationsUnitOfWork, member: MemberReplica) -> str:
    """Where the acknowledgement says the answer comes: at the response_url, or by DM once
    that URL no longer takes answers where the team's Slack app can DM it (`dm_answer`)."""
    if home_workspace(uow, member.team_id) is None:
        return "I'll confirm here in a moment"
    return "I'll confirm here, or by DM if it takes a while"


def _amount(request: CheckinRequest, goal: GoalReplica) -> str:
    """What the acknowledgement says is being logged: the value in the goal's unit, or the
    note on a goal without a metric."""
    if request.value is None:
        return "your note"
    return f"{figure(request.value)} {escape(goal.unit)}"


def _request_id(trigger_id: str) -> str:
    """The check-in request's id: one per invocation of the command (Slack's `trigger_id`), so
    the same request sent again finds the first; a fresh one when Slack sent no trigger_id."""
    return str(uuid.uuid5(SLASH_REQUESTS, trigger_id)) if trigger_id else str(uuid.uuid4())


def request_checkin(uow: NotificationsUnitOfWork, request_id: str, member: MemberReplica,
                    goal: GoalReplica, value: float | None, note: str, now: datetime, *,
                    confidence: int | None = None) -> None:
    """Send the check-in to checkins as `checkin.requested` on `checkins.commands` (the slash
    command's and the Slack modal's one way in); the answer comes back as `checkin.logged` or
    `checkin.rejected` carrying `request_id`. `value` is None on a goal without a metric."""
    uow.emit("checkin.requested", member.team_id, {
        "request_id": request_id, "team_id": member.team_id, "member_id": member.member_id,
        "goal_ref": goal.goal_id, "value": value, "note": note, "confidence": confidence,
        "at": now.isoformat(),
    }, subject=goal.goal_id)
