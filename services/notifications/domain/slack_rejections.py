"""Why checkins refused a check-in asked for in Slack, said in Slack's words.

checkins writes its refusals for the API's callers: in fields a member in Slack never typed
("no value or delta", "milestones") and with a goal by its id. In Slack the member reads what
to type or click instead, and the goal by its title (`rejected_text` names it first). Each
reason checkins sends on checkin.rejected that reads so is matched here, once (`REASONS`);
any other is told as checkins wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from services.notifications.domain.messages import escape, team_tag
from services.notifications.domain.replicas import GoalReplica

LISTED = "`/goals goals` lists the goals you can check in on."
Words = Callable[[re.Match[str], GoalReplica | None], str]


def _ref(goal: GoalReplica | None) -> str:
    """How the member names the goal in `/goals checkin`: its short id."""
    return goal.short_ref if goal is not None else "<goal>"


REASONS: tuple[tuple[re.Pattern[str], Words], ...] = (
    (re.compile(r"goal “.*” has no metric, so it takes no value or delta\b"),
     lambda _, goal: ("this goal has no figure: check in without a value, saying what you did: "
                      f"`/goals checkin {_ref(goal)} <note>`")),
    (re.compile(r"a check-in on a metric goal needs a value or a delta\Z"),
     lambda _, goal: ("this goal has a figure to move: check in with its value now: "
                      f"`/goals checkin {_ref(goal)} <value> [note]`")),
    (re.compile(r"goal “.*” is (?P<status>.+); only active goals take check-ins\Z"),
     lambda match, _: f"this goal is {match['status']}, so it takes no check-ins. {LISTED}"),
    (re.compile(r"unknown goal: |goal \S+ not found\Z"),
     lambda *_: ("this goal is not among those you can check in on, or is too new to be known "
                 f"yet: try again in a minute. {LISTED}")),
    (re.compile(r"only the owner checks in on a personal goal\Z"),
     lambda *_: f"this is someone else's personal goal: only its owner checks in on it. {LISTED}"),
    (re.compile(r"unknown member: "),
     lambda *_: ("Goalkeeper does not know you as a member of this goal's team (any more): ask "
                 "a team lead to add you, then try again.")),
)


def in_slack_words(reason: str, goal: GoalReplica | None) -> str:
    """checkins' `reason` for refusing a check-in on `goal` (None when this service does not
    know it), as a member in Slack reads it; a reason `REASONS` does not know, as it is."""
    for pattern, words in REASONS:
        if match := pattern.match(reason):
            return words(match, goal)
    return reason


def rejected_text(goal_title: str | None, reason: str, team: str | None = None) -> str:
    """The message that a check-in was not logged, on the goal titled `goal_title` (known or
    not; of the `team` named after it, as `team_tag`), and why: at the slash command's
    response_url, or in the modal's DM."""
    on = f" on *{escape(goal_title)}*{team_tag(team)}" if goal_title else ""
    return f"❌ Your check-in{on} was not logged: {escape(reason)}"
