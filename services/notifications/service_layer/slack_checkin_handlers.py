"""Checking in from Slack: reminder DMs, the check-in modal, and the DM updated once it is done.

- `checkin.reminder` / `checkin.missed` queue a DM per recipient who is known in Slack: the
  owner's has a "Check in" button; an escalation (level 2 partners, 3 leads) tells the others.
- The button opens the modal (`views.open` with the interaction's trigger_id, which Slack keeps
  valid for 3 s: the call runs in the background right after the interaction is acknowledged).
  When Slack does not open a check-in modal (the trigger expired, Slack was unavailable), the
  member is DMed so with the Check in button again, queued as a refused modal check-in is (a
  `rejected_dm` task the worker retries); a revoked token disables the workspace as the
  worker's calls do (`disable_revoked`).
  It takes a check-in on a goal the member may check in on (`access.may_check_in`): their own,
  or a team goal of their team they see, as the checkins service does.
- The submitted modal is checked (errors go back inline) and travels as `checkin.requested` on
  `checkins.commands`, exactly as the slash command's check-in does; its request id comes from
  the modal's view id, so a double submit logs once.
- `checkin.logged` on the goal closes its open DMs: each sent one is updated to say it is done.
- `checkin.rejected` of a modal's request (it has no response_url to answer on) DMs the member
  why, once however often it comes, with a Check in button where trying again may succeed
  (`slack_task_handlers.retry_goal`); the goal's DMs stay open, their Check in button with them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial

from services.notifications.adapters.slack_client import (
    SlackClient,
    SlackRevoked,
    SlackUnavailable,
    SlackUndeliverable,
)
from services.notifications.domain.checkin_form import (
    InvalidForm,
    read_form,
    whole_form_field,
)
from services.notifications.domain.messages import escape, team_tag
from services.notifications.domain.replicas import CheckinDue, GoalReplica, MemberReplica
from services.notifications.domain.slack_blocks import checkin_modal, notice_modal
from services.notifications.domain.slack_dm import MISSED, REMINDER, SlackDm, SlackTask
from services.notifications.domain.slash import SlackRequest
from services.notifications.service_layer.access import may_check_in
from services.notifications.service_layer.commands import OpenCheckinModal, SubmitCheckinModal
from services.notifications.service_layer.slack_home_handlers import (
    goal_line,
    queue_homes_showing,
    team_shown,
)
from services.notifications.service_layer.slack_task_handlers import disable_revoked
from services.notifications.service_layer.slash_handlers import request_checkin
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.events.envelope import Event

log = logging.getLogger(__name__)
UNKNOWN_GOAL = "I can't find that goal among those you can check in on; nothing to check in."
UNOPENED = "Slack did not open the check-in form"
MODAL_REQUESTS = uuid.UUID("0d7c8a52-5a0b-4c43-9f57-6a4c1f0e2b11")
UNOPENED_REQUESTS = uuid.UUID("5b1e7f3c-2d4a-4e8b-9c6f-1a2b3c4d5e6f")
OPENED_CLICKS = uuid.UUID("9e4b2c61-7f3a-4d85-b0c2-8a1d6e5f3b47")
Background = Callable[[Callable[[], object]], None]


def open_checkin_modal(cmd: OpenCheckinModal, uow: NotificationsUnitOfWork,
                       slack: SlackClient, background: Background, clock: Clock) -> None:
    """Open the modal once per click: Slack sends a click again, with its `trigger_id`, when
    the answer was slow (`X-Slack-Retry-Num`), and the copy is taken as done."""
    checker = None  # who is told when Slack does not open the check-in modal
    with uow:
        if not uow.slack_events.take(_click_id(cmd.trigger_id), "checkin_open", clock.now()):
            return  # the click's modal is opened already
        goal = uow.replicas.goal(cmd.goal_id)
        members = uow.slack.members_for(cmd.slack_user_id, cmd.slack_team_id or None)
        member = checker_of(uow, members, goal)
        if member is None or goal is None:
            view = notice_modal(UNKNOWN_GOAL)
        elif not goal.is_open:
            view = notice_modal(f"*{escape(goal.title)}*{team_tag(team_shown(uow, members, goal))}"
                                " is closed; it takes no more check-ins.")
        else:
            line = goal_line(uow, goal, team=team_shown(uow, members, goal))
            view, checker = checkin_modal(line), member
        active = any(w.is_active for w in uow.slack.workspaces_in(cmd.slack_team_id))
        uow.commit()
    token = slack.bot_token(cmd.slack_team_id, cmd.enterprise_id) if active else None
    if token is not None:
        background(partial(_open_view, cmd, token, view, checker, uow, slack, clock))


def _click_id(trigger_id: str) -> str:
    """The click's id among the Slack deliveries taken (`slack_events`); none without a
    trigger_id (no modal opens without one)."""
    return str(uuid.uuid5(OPENED_CLICKS, trigger_id)) if trigger_id else ""


def _open_view(cmd: OpenCheckinModal, token: str, view: dict, checker: MemberReplica | None,
               uow: NotificationsUnitOfWork, slack: SlackClient, clock: Clock) -> None:
    """`views.open`, in the background. When Slack does not open a check-in modal, `checker`
    is told (`refuse_unopened`); a revoked token disables the workspace."""
    try:
        slack.open_view(token, cmd.trigger_id, view)
    except (SlackUndeliverable, SlackUnavailable) as exc:
        log.warning("Slack did not open the modal: %s", exc)
        if checker is not None:
            refuse_unopened(cmd, checker, uow, clock.now())
    except SlackRevoked as exc:
        with uow:
            enterprise = disable_revoked(uow, cmd.slack_team_id, str(exc), clock.now())
            uow.commit()
        slack.forget(cmd.slack_team_id, enterprise)


def refuse_unopened(cmd: OpenCheckinModal, checker: MemberReplica, uow: NotificationsUnitOfWork,
                    now: datetime) -> None:
    """The check-in the click asked for, refused with `UNOPENED`: a modal request rejected at
    once, whose `rejected_dm` task tells the member, once per click, with the Check in button."""
    request = SlackRequest(str(uuid.uuid5(UNOPENED_REQUESTS, cmd.trigger_id)), checker.team_id,
                           checker.member_id, cmd.goal_id, "", now)
    with uow:
        if uow.slack_requests.add_new(request) and reject(uow, request, UNOPENED,
                                                          cmd.slack_team_id, now):
            uow.commit()


def reject(uow: NotificationsUnitOfWork, request: SlackRequest, reason: str,
           slack_team_id: str | None, now: datetime) -> bool:
    """Record the refusal of a modal's check-in and queue its `rejected_dm` through the Slack
    workspace `slack_team_id` (none when None: no active workspace to tell the member in);
    False, nothing queued, when it was refused already (a redelivery tells no one)."""
    if not request.rejected(reason, now):
        return False
    if slack_team_id is not None:
        uow.slack.add(SlackTask(slack_team_id, "rejected_dm", request.request_id, now))
    return True


def submit_checkin_modal(cmd: SubmitCheckinModal, uow: NotificationsUnitOfWork,
                         clock: Clock) -> dict | None:
    """`None` closes the modal; a dict is Slack's `response_action` (inline errors)."""
    try:
        form = read_form(cmd.values)
    except InvalidForm as exc:
        return {"response_action": "errors", "errors": exc.errors}
    with uow:
        goal = uow.replicas.goal(cmd.goal_id)
        member = checker_among(uow, cmd.slack_team_id, cmd.slack_user_id, goal)
        if member is None or goal is None or not goal.is_open:
            return {"response_action": "errors",
                    "errors": {whole_form_field(cmd.values): "This is not an open goal you "
                                                             "can check in on; nothing logged."}}
        request_id, now = str(uuid.uuid5(MODAL_REQUESTS, cmd.view_id)), clock.now()
        if not uow.slack_requests.add_new(SlackRequest(request_id, member.team_id,
                                                       member.member_id, goal.goal_id, "", now)):
            return None  # submitted already
        request_checkin(uow, request_id, member, goal, form.value, form.note, now,
                        confidence=form.confidence)
        uow.commit()
    return None


def checker_among(uow: NotificationsUnitOfWork, slack_team_id: str, slack_user_id: str,
                  goal: GoalReplica | None) -> MemberReplica | None:
    """The member the Slack user is in the goal's team, if they may check in on it (a person
    in two teams checks in on each team's goals)."""
    if goal is None:
        return None
    return checker_of(uow, uow.slack.members_for(slack_user_id, slack_team_id or None), goal)


def checker_of(uow: NotificationsUnitOfWork, members: list[MemberReplica],
               goal: GoalReplica | None) -> MemberReplica | None:
    """The one of `members` (one person's) in the goal's team, if they may check in on it."""
    if goal is None:
        return None
    return next((m for m in members
                 if m.team_id == goal.team_id and may_check_in(uow, m, goal)), None)


def on_due(event: Event, uow: NotificationsUnitOfWork, now: datetime) -> None:
    """`checkin.reminder` / `checkin.missed`: the goal's check-in is open (the App Home lists
    it; a first-level miss ends the streak), and its recipients known in Slack get a DM."""
    d = event.data
    missed = event.type == "checkin.missed"
    uow.replicas.upsert(CheckinDue(d["goal_id"], event.team_id, d["owner_id"], d["due_at"],
                                   missed))
    streak = uow.replicas.streak(d["goal_id"]) if missed and d.get("level") == 1 else None
    if streak is not None:
        streak.length = 0
    queue_due_dms(event, uow, now)


def on_logged(event: Event, uow: NotificationsUnitOfWork, now: datetime) -> None:
    """`checkin.logged`: the goal is due no more, its DMs say it is done, the Home refreshes."""
    d = event.data
    uow.replicas.checked_in(d["goal_id"])
    close_dms(event, uow, now)
    goal = uow.replicas.goal(d["goal_id"])
    queue_homes_showing(uow, event.team_id, goal.owner_id if goal else d["author_id"], goal, now)


def on_rejected(request: SlackRequest | None, uow: NotificationsUnitOfWork, now: datetime,
                reason: str) -> None:
    """`checkin.rejected` of `request`: a check-in from the modal was not logged; its member
    hears why (checkins' `reason`, kept with the request and DMed in Slack's words)."""
    if request is None or not request.from_modal:
        return
    workspace = uow.slack.workspace(request.team_id)
    active = workspace.slack_team_id if workspace is not None and workspace.is_active else None
    reject(uow, request, reason, active, now)


def queue_due_dms(event: Event, uow: NotificationsUnitOfWork, now: datetime) -> None:
    """DM the recipients of a reminder (the owner) or of a missed check-in (its level's)."""
    d = event.data
    workspace = uow.slack.workspace(event.team_id)
    if workspace is None or not workspace.is_active:
        return
    missed = event.type == "checkin.missed"
    recipients = d["recipients"] if missed else [d["owner_id"]]
    for member_id in dict.fromkeys(recipients):
        slack_user = uow.slack.slack_user_of(member_id)
        if slack_user is None:
            continue
        dm = SlackDm(event.team_id, member_id, slack_user, d["goal_id"], d["owner_id"],
                     MISSED if missed else REMINDER, d["due_at"], event.id, now,
                     level=d.get("level"))
        uow.slack.add(dm)
        uow.slack.add(SlackTask(workspace.slack_team_id, "dm", dm.id, now))
    queue_homes_showing(uow, event.team_id, d["owner_id"], uow.replicas.goal(d["goal_id"]), now)


def close_dms(event: Event, uow: NotificationsUnitOfWork, now: datetime) -> None:
    """A check-in on the goal answers its open DMs: the sent ones are updated to say so."""
    d = event.data
    workspace = uow.slack.workspace(event.team_id)
    if workspace is None:
        return
    for dm in uow.slack.open_dms(d["goal_id"]):
        if dm.checked_in(now, d["author_id"], d["checkin_id"]) and dm.ts is not None \
                and workspace.is_active:
            uow.slack.add(SlackTask(workspace.slack_team_id, "update_dm", dm.id, now))
