"""The worker's side of the Slack app: run due `SlackTask`s through the Web API.

Each task runs in its own unit of work. The `WebClient` already retried dropped connections;
what still fails is sorted here:
- `SlackRevoked`: the workspace is disabled and its tokens deleted; its tasks are dropped.
- `SlackUndeliverable`: this task is dropped with the reason.
- `SlackUnavailable`: the task is retried later, backing off as a delivery does, or as long
  as a 429 asked (`SlackTask.failed`), for about a day. Slack limits a workspace's calls per
  method, so a 429's wait is kept for the workspace and method (`rate_limit`): every task
  that calls it waits for it, queued before the 429 or after, without a 429 of its own.
A disabled or uninstalled workspace gets no call at all. A DM's update waits (up to
`figure_wait`) for the goals service's progress figure after the check-in that answered it, so
the message shows the goal as the check-in left it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from services.notifications.adapters.slack_client import (
    SlackClient,
    SlackRevoked,
    SlackUnavailable,
    SlackUndeliverable,
)
from services.notifications.domain.messages import escape, progress_bar, slack_date, team_tag
from services.notifications.domain.notification import RetryPolicy, SendResult
from services.notifications.domain.replicas import GoalReplica
from services.notifications.domain.slack_blocks import (
    GoalLine,
    answer_dm,
    done_dm,
    escalation_dm,
    rejected_dm,
    reminder_dm,
)
from services.notifications.domain.slack_dm import SlackDm, SlackTask
from services.notifications.domain.slack_rejections import (
    in_slack_words,
    rejected_text,
    retry_may_succeed,
)
from services.notifications.domain.slash import Answer, SlackRequest
from services.notifications.service_layer.access import may_check_in
from services.notifications.service_layer.slack_home_handlers import (
    goal_line,
    home_of,
    link_view,
    person_of,
    team_shown,
)
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.numbers import figure

log = logging.getLogger(__name__)
BATCH = 20
_DM = ("conversations.open", "chat.postMessage")
CALLS = {"dm": _DM, "rejected_dm": _DM, "answer_dm": _DM, "update_dm": ("chat.update",),
         "home": ("views.publish",), "link": ("views.publish",)}
"""The Web API methods each kind of task may call (`_calls`: those it will)."""
RECHECK = timedelta(seconds=0.5)


def _calls(uow: NotificationsUnitOfWork, task: SlackTask) -> tuple[str, ...]:
    """The Web API methods `task` will call (`CALLS`): a DM whose conversation is open
    already only posts. (The DM read here is the one `_send_dm` reads, from the session.)"""
    if task.kind == "dm" and (dm := uow.slack.dm(task.subject)) is not None and dm.channel:
        return ("chat.postMessage",)
    return CALLS.get(task.kind, ())


def disable_revoked(uow: NotificationsUnitOfWork, slack_team_id: str, reason: str,
                    now: datetime) -> str | None:
    """A Web API call answered `reason` (`SlackRevoked`): disable the workspace's
    installations and drop its pending tasks. Returns the enterprise id the caller forgets the
    workspace's tokens with (`SlackClient.forget`) once this is committed."""
    workspaces = uow.slack.workspaces_in(slack_team_id)
    for workspace in workspaces:
        workspace.disable(reason, now)
    uow.slack.drop_pending_tasks(slack_team_id, now)
    return next((w.enterprise_id for w in workspaces), None)


class SlackTasks:
    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], slack: SlackClient,
                 clock: Clock, public_url: str, *, figure_wait: timedelta = timedelta(0),
                 retry: RetryPolicy | None = None, rng: random.Random | None = None):
        self.uow_factory = uow_factory
        self.retry, self.rng = retry or RetryPolicy(), rng or random.Random()
        self.slack = slack
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.figure_wait = figure_wait

    def run_due(self) -> int:
        """Run every task due now; returns how many ran. A task failing in a way nothing
        sorts (a bug, an answer slack-sdk cannot read) is logged and tried again later as a
        failed attempt (`_failed_unsorted`): it does not hold back the tasks after it."""
        with self.uow_factory() as uow:
            ids = uow.slack.due_tasks(self.clock.now(), BATCH)
        for task_id in ids:
            try:
                self.run_one(task_id)
            except Exception as exc:  # noqa: BLE001 (one task's fault stays its own)
                log.exception("Slack task %s failed", task_id)
                self._failed_unsorted(task_id, exc)
        return len(ids)

    def _failed_unsorted(self, task_id: str, exc: Exception) -> None:
        with self.uow_factory() as uow:
            task = uow.slack.task(task_id)
            if task is None or task.status != "pending":
                return
            task.failed(SendResult(None, error=f"{type(exc).__name__}: {exc}"),
                        self.clock.now(), self.retry, self.rng)
            uow.commit()

    def run_one(self, task_id: str) -> None:
        """Run the task, unless it is done or no longer due, or Slack asked its workspace
        to wait before a method it calls (`CALLS`): then it waits that long, no attempt
        spent."""
        with self.uow_factory() as uow:
            task = uow.slack.task(task_id)
            now = self.clock.now()
            if task is None or task.status != "pending" or task.next_attempt_at > now:
                return
            limited = uow.slack.rate_limited_until(task.slack_team_id,
                                                   _calls(uow, task), now)
            if limited is not None:  # Slack asked the workspace to wait: not an attempt
                task.postpone(limited)
                uow.commit()
                return
            revoked = enterprise = None
            try:
                if self._perform(uow, task, now) and task.status == "pending":
                    task.succeeded(now)
            except SlackRevoked as exc:
                revoked = str(exc)
                task.dropped(f"workspace disabled: {exc}", now)
            except SlackUndeliverable as exc:
                task.dropped(str(exc), now)
            except SlackUnavailable as exc:
                answered = self.clock.now()  # a Retry-After counts from Slack's answer
                result = SendResult(exc.status, error=str(exc), retry_after=exc.retry_after)
                task.failed(result, answered, self.retry, self.rng)
                if (asked := self.retry.asked(result)) is not None and exc.method:
                    uow.slack.rate_limit(task.slack_team_id, exc.method,
                                         answered + timedelta(seconds=asked))
            if revoked:
                enterprise = disable_revoked(uow, task.slack_team_id, revoked, now)
            uow.commit()
        if revoked:
            self.slack.forget(task.slack_team_id, enterprise)

    def _perform(self, uow: NotificationsUnitOfWork, task: SlackTask, now: datetime) -> bool:
        """Run the task's call; False when it was postponed instead."""
        workspaces = [w for w in uow.slack.workspaces_in(task.slack_team_id) if w.is_active]
        token = (self.slack.bot_token(task.slack_team_id, workspaces[0].enterprise_id)
                 if workspaces else None)
        if token is None:
            task.dropped("the app is not installed in this workspace", now)
        elif task.kind == "dm":
            self._send_dm(uow, task, token, now)
        elif task.kind == "update_dm":
            return self._update_dm(uow, task, token, now)
        elif task.kind == "rejected_dm":
            self._send_rejection(uow, task, token, now)
        elif task.kind == "answer_dm":
            self._send_answer(uow, task, token, now)
        elif task.kind == "home":
            self._publish_home(uow, task, token, now)
        elif task.kind == "link":
            self._offer_link(uow, task, token, now)
        else:
            task.dropped(f"unknown task kind {task.kind}", now)
        return True

    def _send_dm(self, uow: NotificationsUnitOfWork, task: SlackTask, token: str,
                 now: datetime) -> None:
        dm = uow.slack.dm(task.subject)
        goal = uow.replicas.goal(dm.goal_id) if dm else None
        if dm is None or goal is None or dm.is_done or dm.ts is not None:
            task.dropped("nothing left to send", now)
            return
        channel = dm.channel or self.slack.open_dm(token, dm.slack_user_id)
        dm.channel = channel
        line = goal_line(uow, goal, team=_team_read_by(uow, dm.slack_user_id, task, goal))
        dm.sent(channel, self.slack.post(token, channel, self._dm_message(uow, dm, line)))

    def _update_dm(self, uow: NotificationsUnitOfWork, task: SlackTask, token: str,
                   now: datetime) -> bool:
        dm = uow.slack.dm(task.subject)
        goal = uow.replicas.goal(dm.goal_id) if dm else None
        if dm is None or goal is None or dm.ts is None:
            task.dropped("no sent message to update", now)
            return True
        if dm.checkin_id and goal.progress_after(dm.checkin_id) is None \
                and now - task.created_at < self.figure_wait:
            task.postpone(now + RECHECK)
            return False
        author = uow.replicas.member(dm.done_by)
        at = slack_date(dm.done_at, "{time}") if dm.done_at else "now"
        line = goal_line(uow, goal, team=_team_read_by(uow, dm.slack_user_id, task, goal))
        message = done_dm(line, author.name if author else None, at)
        self.slack.update(token, dm.channel, dm.ts, message)
        return True

    def _send_rejection(self, uow: NotificationsUnitOfWork, task: SlackTask, token: str,
                        now: datetime) -> None:
        if (told := _whom_to_tell(uow, task, now, lambda r: r.rejection)) is None:
            return
        request, slack_user = told
        goal = uow.replicas.goal(request.goal_id)
        named = goal_named(uow, request, goal)  # the words and the button follow one reading
        message = rejected_dm(refusal_text(named, goal, request.rejection),
                              retry_goal(request, goal, named[0]))
        self.slack.post(token, self.slack.open_dm(token, slack_user), message)

    def _send_answer(self, uow: NotificationsUnitOfWork, task: SlackTask, token: str,
                     now: datetime) -> None:
        if (told := _whom_to_tell(uow, task, now, lambda r: r.answer)) is None:
            return
        request, slack_user = told
        text = answer_text(uow, request, Answer.loads(request.answer))
        self.slack.post(token, self.slack.open_dm(token, slack_user), answer_dm(text))

    def _publish_home(self, uow: NotificationsUnitOfWork, task: SlackTask, token: str,
                      now: datetime) -> None:
        slack_user = uow.slack.slack_user_of(task.subject)
        if slack_user is None:
            task.dropped("member not linked to a Slack user", now)
            return
        self.slack.publish_home(token, slack_user, home_of(uow, task.subject, slack_user,
                                                           task.slack_team_id, self.public_url))

    def _offer_link(self, uow: NotificationsUnitOfWork, task: SlackTask, token: str,
                    now: datetime) -> None:
        ticket = uow.slack.link_ticket(task.subject)
        if ticket is None or not ticket.usable(now):
            task.dropped("link ticket used or expired", now)
            return
        url = f"{self.public_url}/slack/link?ticket={ticket.ticket}"
        self.slack.publish_home(token, ticket.slack_user_id, link_view(url))

    def _dm_message(self, uow: NotificationsUnitOfWork, dm: SlackDm, line: GoalLine) -> dict:
        when = slack_date(dm.due_at)
        if dm.asks_owner:
            return reminder_dm(line, missed=dm.kind == "missed", when=when)
        owner = uow.replicas.member(dm.owner_id)
        return escalation_dm(line, owner.name if owner else "A teammate", dm.level or 2, when,
                             f"{self.public_url}/goals/{line.goal_id}")


def _whom_to_tell(uow: NotificationsUnitOfWork, task: SlackTask, now: datetime,
                  said: Callable[[SlackRequest], str | None]) -> tuple[SlackRequest, str] | None:
    """The Slack request of `task` and the Slack user of its member, when the request has
    something `said` to DM them (its refusal, its late answer); else None, the task dropped."""
    request = uow.slack_requests.get(task.subject)
    slack_user = uow.slack.slack_user_of(request.member_id) if request else None
    if request is None or said(request) is None or slack_user is None:
        task.dropped("no member in Slack to tell", now)
        return None
    return request, slack_user


def _team_read_by(uow: NotificationsUnitOfWork, slack_user_id: str, task: SlackTask,
                  goal: GoalReplica) -> str | None:
    """The team a DM to `slack_user_id` through the task's workspace names `goal` by
    (`team_shown`)."""
    return team_shown(uow, uow.slack.members_for(slack_user_id, task.slack_team_id), goal)


def answer_text(uow: NotificationsUnitOfWork, request: SlackRequest, answer: Answer) -> str:
    """The words of `answer` to `request`, as its member reads them now, at its response_url
    or by DM however late: its goal named (`goal_named`) only while they may still see it."""
    if answer.kind == "said":
        return answer.words or ""
    goal = uow.replicas.goal(request.goal_id)
    named = goal_named(uow, request, goal)
    if answer.kind == "refused":
        return refusal_text(named, goal, answer.reason or "")
    return logged_text(answer, goal, named)


def logged_text(answer: Answer, goal: GoalReplica | None,
                named: tuple[str | None, str | None]) -> str:
    """The answer that the check-in was logged: on `goal` by the title and team it is `named`
    by (`goal_named`), its value in the goal's unit, and the goal's progress after it; the
    value alone where the goal is unknown or no longer its member's to read (no title)."""
    title, team = named
    seen = goal if title is not None else None
    unit = f" {escape(seen.unit)}" if seen is not None and seen.has_metric else ""
    amount = f"{figure(answer.value)}{unit}" if answer.value is not None else "your check-in"
    if seen is None:
        return f"✅ Logged {amount}."
    bar = f"\nProgress: {progress_bar(answer.progress)}" if answer.progress is not None else ""
    return f"✅ Logged {amount} on *{escape(title)}*{team_tag(team)}.{bar}"


def refusal_text(named: tuple[str | None, str | None], goal: GoalReplica | None,
                 reason: str) -> str:
    """What the member of a request reads of its refusal for checkins' `reason`, at the slash
    command's response_url or in the modal's DM: in Slack's words (`in_slack_words`), on the
    goal by the title and team it is `named` by to them (`goal_named`: none once they may no
    longer see it)."""
    title, team = named
    return rejected_text(title, in_slack_words(reason, goal), team)


def goal_named(uow: NotificationsUnitOfWork, request: SlackRequest,
               goal: GoalReplica | None) -> tuple[str | None, str | None]:
    """The title and team an answer to `request` (logged or refused) names its goal by: its
    title while its member may still see it (`title_seen`), with its team where a message
    names one (`team_shown`); neither, the goal left out, once they may not."""
    title = title_seen(uow, request, goal)
    if title is None or goal is None:
        return None, None
    return title, team_shown(uow, person_of(uow, request.member_id, request.team_id), goal)


def retry_goal(request: SlackRequest, goal: GoalReplica | None,
               title: str | None) -> str | None:
    """The goal a refusal DM of `request` offers its Check in button on, only where trying
    again can succeed: the goal still open and the member's to check in on (the `title` it is
    named by to them, `goal_named`), and refused for a reason another try may overcome
    (`retry_may_succeed`: not a goal achieved or closed, nor someone else's personal goal)."""
    if goal is None or title is None or not goal.is_open:
        return None
    return goal.goal_id if retry_may_succeed(request.rejection or "") else None


def title_seen(uow: NotificationsUnitOfWork, request: SlackRequest,
               goal: GoalReplica | None) -> str | None:
    """The title an answer to `request` names its goal by: None, the goal left out, unless its
    member may check in on it (`may_check_in`, as `/goals goals` lists it): a goal renamed,
    then made private, or its member gone from its team, is no longer theirs to read."""
    member = uow.replicas.member(request.member_id) if goal is not None else None
    return goal.title if member is not None and may_check_in(uow, member, goal) else None
