"""What the Slack app shows, as Block Kit: reminder DMs, the check-in modal and the App Home.

Figures (progress, health, current value) are the goals service's, copied from its events;
nothing here computes them. Builders return plain dicts ready for the Web API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.messages import (
    escape,
    health_label,
    progress_bar,
    section,
    slack_date,
    team_tag,
    truncate,
)
from shared.numbers import figure
from shared.streak_text import streak_days, streak_length

CHECKIN_ACTION = "checkin_open"
CHECKIN_MODAL = "checkin_modal"
LINK_ACTION = "link_account"
VALUE, CONFIDENCE, NOTE = "value", "confidence", "note"
NOTE_LIMIT = 2000
VIEW_BLOCK_LIMIT = 100  # a Home tab's blocks (a message has 50: messages.BLOCK_LIMIT)
DUE_SHOWN = 20  # check-ins due listed at the top; any more are counted there


@dataclass(frozen=True)
class GoalLine:
    goal_id: str
    title: str
    progress: float
    health: str | None
    current: float | None
    target: float | None
    unit: str | None
    streak: int = 0
    due_at: datetime | None = None
    missed: bool = False
    mine: bool = True  # the reader owns it (a team goal of a teammate's is not)
    streak_frequency: str | None = None  # what one period of `streak` is, when checkins said
    team: str | None = None  # its team's name, where the reader's goals are of several teams

    @property
    def has_metric(self) -> bool:
        """As `GoalReplica.has_metric`."""
        return self.unit is not None

    @property
    def heading(self) -> str:
        """The goal's title in bold, and its team (`team_tag`)."""
        return f"*{escape(self.title)}*{team_tag(self.team)}"

    @property
    def name(self) -> str:
        """`heading` without the bold, for a notification's plain text."""
        return f"{escape(self.title)}{team_tag(self.team)}"


def plain(text: str, limit: int = 75) -> dict:
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def amount(value: float | None, unit: str | None) -> str:
    if value is None:
        return "—"
    return f"{figure(value)} {unit}".strip() if unit else figure(value)


def standing(goal: GoalLine) -> str:
    """Where the goal stands: its metric's value (and target) when it has a metric, then its
    progress and health."""
    target = f" of {escape(amount(goal.target, goal.unit))}" if goal.target is not None else ""
    now = (f"Now at *{escape(amount(goal.current, goal.unit))}*{target} · "
           if goal.has_metric else "")
    return f"{now}{progress_bar(goal.progress)} · {health_label(goal.health or 'not_started')}"


def checkin_button(goal_id: str) -> dict:
    """The Check in button on `goal_id`: its value is the goal's reference (`GoalRefIn`)."""
    value = json.dumps({"goal_id": goal_id})
    return {"type": "button", "style": "primary", "action_id": CHECKIN_ACTION,
            "text": plain("Check in"), "value": value}


def checkin_actions(goal_id: str) -> dict:
    """The actions block a DM offers the goal's Check in button in (it opens the modal)."""
    return {"type": "actions", "block_id": "checkin",
            "elements": [checkin_button(goal_id)]}


def reminder_dm(goal: GoalLine, *, missed: bool, when: str) -> dict:
    title = f"{'⏰ Missed' if missed else '🔔 Due'}: check in on {goal.name}"
    intro = (f"Your check-in on {goal.heading} was due {when}." if missed
             else f"Time to check in on {goal.heading} (due {when}).")
    blocks = [section(intro), section(standing(goal)), checkin_actions(goal.goal_id)]
    return {"text": truncate(title, 3000), "blocks": blocks}


def escalation_dm(goal: GoalLine, owner_name: str, level: int, when: str, link: str) -> dict:
    who = "your partner" if level == 2 else "a member of your team"
    text = (f"⏰ {escape(owner_name)}, {who}, missed the check-in on {goal.heading} "
            f"due {when}. "
            f"A friendly nudge helps.")
    return {"text": truncate(text, 3000),
            "blocks": [section(text), section(standing(goal)), section(f"<{link}|Open the goal>")]}


def done_dm(goal: GoalLine, by_name: str | None, at: str) -> dict:
    who = f"{escape(by_name)} checked in" if by_name else "Checked in"
    text = f"✅ {who} on {goal.heading} at {at}. Thank you!"
    return {"text": truncate(text, 3000), "blocks": [section(text), section(standing(goal))]}


def answer_dm(text: str) -> dict:
    """A slash command's answer, DMed: its response_url had expired."""
    return {"text": truncate(text, 3000), "blocks": [section(text)]}


def rejected_dm(text: str, retry_goal_id: str | None = None) -> dict:
    """Why a check-in from the modal was not logged (`rejected_text`); with `retry_goal_id`,
    the Check in button that opens the modal on that goal again."""
    retry = [checkin_actions(retry_goal_id)] if retry_goal_id else []
    return {"text": truncate(text, 3000), "blocks": [section(text), *retry]}


def checkin_modal(goal: GoalLine) -> dict:
    """The check-in modal: a goal with a metric asks for its new value (a note optional); one
    without asks for no value, and its note is required (checkins takes no figure on it)."""
    asked = ([value_input(goal), confidence_input(), note_input(optional=True)]
             if goal.has_metric else [confidence_input(), note_input(optional=False)])
    return {
        "type": "modal", "callback_id": CHECKIN_MODAL,
        "title": plain("Check in", 24), "submit": plain("Log check-in", 24),
        "close": plain("Cancel", 24),
        "private_metadata": json.dumps({"goal_id": goal.goal_id}),
        "blocks": [section(f"{goal.heading}\n{standing(goal)}"), *asked],
    }


def value_input(goal: GoalLine) -> dict:
    """The new value of a goal with a metric, labelled with its unit."""
    return {"type": "input", "block_id": VALUE,
            "label": plain(f"New value ({goal.unit})"),
            "element": {"type": "plain_text_input", "action_id": VALUE,
                        "placeholder": plain(f"e.g. {amount(goal.current, None)}")},
            "hint": plain("The metric's value now, not the change.", 150)}


def confidence_input() -> dict:
    return {"type": "input", "block_id": CONFIDENCE, "optional": True,
            "label": plain("Confidence"),
            "element": {"type": "static_select", "action_id": CONFIDENCE,
                        "placeholder": plain("How sure are you of reaching it?"),
                        "options": [{"text": plain(f"{n} – {word}"), "value": str(n)}
                                    for n, word in enumerate(
                                        ("very low", "low", "medium", "high", "very high"), 1)]}}


def note_input(*, optional: bool) -> dict:
    """The note; required on a goal without a metric, where it is the check-in."""
    hint = {} if optional else {
        "hint": plain("This goal has no metric: say what you did.", 150)}
    return {"type": "input", "block_id": NOTE, "optional": optional, "label": plain("Note"),
            "element": {"type": "plain_text_input", "action_id": NOTE, "multiline": True,
                        "max_length": NOTE_LIMIT}, **hint}


def home_view(name: str | None, goals: list[GoalLine], link: str) -> dict:
    open_due = [g for g in goals if g.due_at is not None]
    best = max((g for g in goals if g.mine), key=streak_span, default=None)
    blocks: list[dict] = [
        {"type": "header", "text": plain(f"{name}'s goals" if name else "Goalkeeper", 150)},
        section(f"🔥 Streak: *{streak_words(best)}* in a row"
                if best and best.streak else "🔥 No streak yet: check in on time to start one."),
        {"type": "divider"},
        {"type": "header", "text": plain("Check-ins due", 150)},
    ]
    if not open_due:
        blocks.append(section("Nothing due. 👏"))
    for goal in open_due[:DUE_SHOWN]:
        state = "⏰ missed" if goal.missed else "due"
        blocks.append({**section(f"{goal.heading} — {state} {slack_date(goal.due_at)}"),
                       "accessory": checkin_button(goal.goal_id)})
    if len(open_due) > DUE_SHOWN:
        blocks.append(section(f"…and {len(open_due) - DUE_SHOWN} more due: "
                              f"<{link}|open Goalkeeper>"))
    blocks += [{"type": "divider"},
               {"type": "header", "text": plain("Goals you check in on", 150)}]
    if not goals:
        blocks.append(section(f"No open goals yet. <{link}|Create one in Goalkeeper>."))
    room = VIEW_BLOCK_LIMIT - len(blocks) - 1
    for goal in goals[:room]:
        streak = f" · 🔥 {streak_words(goal)}" if goal.streak else ""
        blocks.append({**section(f"{goal.heading}\n{standing(goal)}{streak}"),
                       "accessory": checkin_button(goal.goal_id)})
    if len(goals) > room:
        blocks.append(section(f"…and {len(goals) - room} more: <{link}|open Goalkeeper>"))
    return {"type": "home", "blocks": blocks}


def streak_span(goal: GoalLine) -> int:
    """What ranks the reader's streaks for the Home's one: the days the goal's streak covers
    (3 weeks above 5 days; `streak_days`); of equal ones, the first listed."""
    return streak_days(goal.streak, goal.streak_frequency)


def streak_words(goal: GoalLine) -> str:
    """The goal's streak in its periods ("3 weeks"), in check-ins when checkins did not say."""
    return streak_length(goal.streak, goal.streak_frequency)


def link_home(link_url: str) -> dict:
    text = ("👋 I don't know who you are in Goalkeeper yet. Link your account to get check-in "
            "reminders here and see your goals.")
    return {"type": "home", "blocks": [
        section(text),
        {"type": "actions", "elements": [{"type": "button", "action_id": LINK_ACTION,
                                          "text": plain("Link my Goalkeeper account"),
                                          "url": link_url, "style": "primary"}]}]}


def notice_modal(text: str) -> dict:
    return {"type": "modal", "title": plain("Check in", 24), "close": plain("Close", 24),
            "blocks": [section(text)]}
