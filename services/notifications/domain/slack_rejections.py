"""Why checkins refused a check-in asked for in Slack, said in Slack's words.

checkins writes its refusals for the API's callers: in fields a member in Slack never typed
("no value or delta", "milestones") and with a goal by its id. In Slack the member reads what
to type or click instead, and the goal by its title (`rejected_text` names it first). Each
reason checkins sends on checkin.rejected that reads so is matched here, once (`REASONS`);
any other is told as checkins wrote it. A refusal DM offers to try again only where another
try may succeed (`retry_may_succeed`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from services.notifications.domain.messages import entities, escape, team_tag
from services.notifications.domain.replicas import GoalReplica
from shared.goal_statuses import FINAL, status_in_words

LISTED = "`/goals goals` lists the goals you can check in on."
Words = Callable[[re.Match[str], GoalReplica | None], str]


def _ref(goal: GoalReplica | None) -> str:
    """How the member names the goal in `/goals checkin`: its short id."""
    return goal.short_ref if goal is not None else "<goal>"


class Reason(NamedTuple):
    """A refusal of checkins' that reads so (`pattern`), its `words` in Slack, and whether it is
    `final`: asking again as it is cannot succeed (the goal is achieved or closed, or someone
    else's). A draft, an unknown goal or member may be checkins behind this service's copies:
    once it catches up, asking again succeeds."""

    pattern: re.Pattern[str]
    words: Words
    final: bool = False


FINAL_WORDS = "|".join(re.escape(status_in_words(status)) for status in FINAL)


def _closed_words(match: re.Match[str], _: GoalReplica | None) -> str:
    return f"this goal is {match['status']}, so it takes no check-ins. {LISTED}"


REASONS: tuple[Reason, ...] = (
    Reason(re.compile(r"goal “.*” has no metric, so it takes no value or delta\b"),
           lambda _, goal: ("this goal has no figure: check in without a value, saying what "
                            f"you did: `/goals checkin {_ref(goal)} <note>`")),
    Reason(re.compile(r"a check-in on a metric goal needs a value or a delta\Z"),
           lambda _, goal: ("this goal has a figure to move: check in with its value now: "
                            f"`/goals checkin {_ref(goal)} <value> [note]`")),
    Reason(re.compile(rf"goal “.*” is (?P<status>{FINAL_WORDS}); only active goals take "
                      r"check-ins\Z"), _closed_words, final=True),
    Reason(re.compile(r"goal “.*” is (?P<status>.+); only active goals take check-ins\Z"),
           _closed_words),  # a draft: active once checkins reads that it is
    Reason(re.compile(r"unknown goal: |goal \S+ not found\Z"),
           lambda *_: ("this goal is not among those you can check in on, or is too new to be "
                       f"known yet: try again in a minute. {LISTED}")),
    Reason(re.compile(r"only the owner checks in on a personal goal\Z"),
           lambda *_: ("this is someone else's personal goal: only its owner checks in on it. "
                       f"{LISTED}"), final=True),
    Reason(re.compile(r"unknown member: "),  # perhaps just added, checkins behind
           lambda *_: ("Goalkeeper does not know you as a member of this goal's team (any "
                       "more): ask a team lead to add you, then try again.")),
)


def in_slack_words(reason: str, goal: GoalReplica | None) -> str:
    """checkins' `reason` for refusing a check-in on `goal` (None when this service does not
    know it), as a member in Slack reads it; a reason `REASONS` does not know, as it is."""
    for known in REASONS:
        if match := known.pattern.match(reason):
            return known.words(match, goal)
    return reason


def retry_may_succeed(reason: str) -> bool:
    """Whether a check-in refused for checkins' `reason` may be logged when asked again (with
    other figures or words, or once a new goal is known): not when the reason is `final`. A
    reason `REASONS` does not know, or one in Slack's words already, may."""
    return not any(known.final for known in REASONS if known.pattern.match(reason))


def rejected_text(goal_title: str | None, reason: str, team: str | None = None) -> str:
    """The message that a check-in was not logged, on the goal titled `goal_title` (known or
    not; of the `team` named after it, as `team_tag`), and why: at the slash command's
    response_url, or in the modal's DM. `reason` is in Slack words (`in_slack_words`), their
    `code` Goalkeeper's own: only Slack's entities are escaped in it."""
    on = f" on *{escape(goal_title)}*{team_tag(team)}" if goal_title else ""
    return f"❌ Your check-in{on} was not logged: {entities(reason)}"
