"""The `/goals` slash command: answer at once, send check-ins as commands, reply later.

A check-in becomes a `checkin.requested` command on `checkins.commands` (through the outbox);
its request id is kept with the Slack `response_url`, and when `checkin.logged` or
`checkin.rejected` with that request id comes back, the answer is posted to the response_url
as an ephemeral message, through the same reliable delivery as every other notification.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from services.notifications.domain.messages import progress_bar
from services.notifications.domain.slash import (
    HELP,
    SlashError,
    ephemeral,
    find_goal,
    goals_text,
    parse_checkin,
    status_text,
    words,
)
from services.notifications.domain.views import GoalView, MemberView, SlackRequest
from services.notifications.domain.webhook_url import validate_webhook_url
from services.notifications.service_layer.notify import Notifier, Occurrence
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.domain import Unprocessable
from shared.events.envelope import Event


@dataclass(frozen=True)
class SlashCommand:
    user_id: str
    text: str
    response_url: str = ""


def handle_command(cmd: SlashCommand, uow: NotificationsUnitOfWork, clock: Clock,
                   allowlist: tuple[str, ...]) -> dict:
    """The immediate ephemeral answer to a slash command."""
    args = words(cmd.text)
    verb = args[0].lower() if args else "help"
    with uow:
        member = uow.directory.by_slack_user(cmd.user_id) if cmd.user_id else None
        if verb == "help":
            return ephemeral(HELP)
        if member is None:
            return ephemeral("I don't know your Slack account yet. Ask a team lead to add your "
                             "Slack user id to your Goalkeeper profile, then try again.")
        goals = uow.directory.goals_of(member.member_id)
        try:
            if verb == "goals":
                return ephemeral(goals_text(goals))
            if verb == "status":
                return ephemeral(status_text(goals))
            if verb == "checkin":
                return _checkin(args[1:], cmd, member, goals, uow, clock, allowlist)
        except SlashError as exc:
            return ephemeral(str(exc))
    return ephemeral(f"I don't know `{verb}`.\n{HELP}")


def _checkin(args: list[str], cmd: SlashCommand, member: MemberView, goals: list[GoalView],
             uow: NotificationsUnitOfWork, clock: Clock, allowlist: tuple[str, ...]) -> dict:
    request = parse_checkin(args)
    goal = find_goal(goals, request.goal)
    try:
        response_url = validate_webhook_url(cmd.response_url, allowlist, field="response_url")
    except Unprocessable as exc:
        raise SlashError("This request came without a usable Slack response_url, so I could "
                         "not confirm the result; nothing was logged.") from exc
    request_id, now = str(uuid.uuid4()), clock.now()
    uow.settings.add(SlackRequest(request_id, member.team_id, member.member_id, goal.goal_id,
                                  response_url, now))
    uow.emit("checkin.requested", member.team_id, {
        "request_id": request_id, "team_id": member.team_id, "member_id": member.member_id,
        "goal_ref": goal.goal_id, "value": request.value, "note": request.note,
        "response_url": response_url, "at": now.isoformat(),
    }, subject=goal.goal_id)
    uow.commit()
    unit = f" {goal.unit}" if goal.unit else ""
    return ephemeral(f"⏳ Logging {request.value:g}{unit} on *{goal.title}*; "
                     "I'll confirm here in a moment.")


class SlashAnswers:
    """Posts the outcome of a requested check-in back to its Slack response_url."""

    def __init__(self, notifier: Notifier):
        self.notifier = notifier

    def on_logged(self, event: Event, uow: NotificationsUnitOfWork, goal: GoalView | None,
                  progress: float | None) -> None:
        title = goal.title if goal else "your goal"
        unit = f" {goal.unit}" if goal and goal.unit else ""
        value = event.data.get("value")
        amount = f"{value:g}{unit}" if value is not None else "your check-in"
        bar = f"\nProgress: {progress_bar(progress)}" if progress is not None else ""
        self._answer(event, uow, f"✅ Logged {amount} on *{title}*.{bar}")

    def on_rejected(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        self._answer(event, uow, f"❌ Your check-in was not logged: {event.data['reason']}")

    def _answer(self, event: Event, uow: NotificationsUnitOfWork, text: str) -> None:
        request = uow.settings.slack_request(event.data.get("request_id"))
        if request is None or request.answered_at is not None:
            return
        request.answered_at = self.notifier.clock.now()
        payload = {**ephemeral(text), "replace_original": False}
        what = Occurrence(event.id, event.type, event.team_id, event.time, event.data)
        self.notifier.to_url(uow, what, request.request_id, request.response_url, payload, text)
