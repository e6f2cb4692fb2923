"""What each event says: a title, body lines and a one-line summary, for Slack and the feed.

`context` comes from the replicas: goal_title, owner_name, actor_name, recipient_name, unit,
health, and for a check-in the goals service's progress figure for it. Every progress shown is
the goals service's (from the context or the goal event's own data), never computed here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.messages import QUOTE, health_label, progress_bar
from shared.numbers import days_to_spare, figure
from shared.streak_text import streak_length


@dataclass(frozen=True)
class Rendered:
    """`lines` are mrkdwn: Goalkeeper's own `*bold*` around what members typed, which
    `typed` lists (titles, names, notes, comments, units) for renderers whose markup would
    otherwise read it (Teams' Markdown shows it literally: `adaptive_card`)."""

    title: str
    lines: list[str]
    summary: str
    typed: tuple[str, ...] = ()


TYPED_CONTEXT = ("goal_title", "owner_name", "actor_name", "unit", "channel_name")
TYPED_DATA = ("title", "note", "text")


def render(event_type: str, data: dict, context: dict) -> Rendered:
    builder = _BUILDERS.get(event_type, _generic)
    rendered = builder(data, context,
                       context.get("goal_title") or data.get("title") or "a goal",
                       context.get("owner_name") or "someone")
    return dataclasses.replace(rendered, typed=_typed(data, context))


def _typed(data: dict, context: dict) -> tuple[str, ...]:
    """What members typed among `data` and `context`, longest first."""
    values = [context.get(key) for key in TYPED_CONTEXT] + [data.get(key) for key in TYPED_DATA]
    values += [*(context.get("names") or []), (data.get("metric") or {}).get("unit")]
    return tuple(sorted({v for v in values if isinstance(v, str) and v.strip()},
                        key=len, reverse=True))


def _when(moment: datetime | str) -> str:
    return moment.isoformat() if isinstance(moment, datetime) else str(moment)


def _number(value: float | None) -> str:
    return "" if value is None else figure(value)


def _goal_lines(context: dict, owner: str) -> list[str]:
    lines = []
    if context.get("progress") is not None:
        lines.append(f"*Progress:* {progress_bar(context['progress'])}")
    if context.get("health"):
        lines.append(f"*Health:* {health_label(context['health'])}")
    lines.append(f"*Owner:* {owner}")
    return lines


def _goal_created(data, context, title, owner) -> Rendered:
    metric = data.get("metric") or {}
    target = f"{figure(metric['target'])} {metric['unit']}" if metric else "milestones"
    return Rendered(f"New goal: {title}", [
        f"*Owner:* {owner}", f"*Target:* {target} by {data.get('due_date') or 'no date'}",
    ], f"*{owner}* set a new goal: *{title}*")


def _checkin(data, context, title, owner) -> Rendered:
    value = data.get("value") if data.get("value") is not None else data.get("delta")
    unit = context.get("unit") or ""
    amount = f": {_number(value)} {unit}".rstrip() if value is not None else ""
    author = context.get("actor_name") or owner
    lines = [f"*{author}* checked in on *{title}*{amount}", *_goal_lines(context, owner)]
    if data.get("note"):
        lines.append(f"{QUOTE}{data['note']}")
    progress = context.get("progress")
    percent = f" ({round(progress * 100)}%)" if progress is not None else ""
    summary = f"*{author}* checked in on *{title}*{amount}{percent}"
    return Rendered(f"Check-in: {title}", lines, summary)


def _achieved(data, context, title, owner) -> Rendered:
    lines = _goal_lines({**context, "progress": data.get("progress")}, owner)
    return Rendered(f"🎉 Goal achieved: {title}", lines, f"*{owner}* achieved *{title}*")


def _milestone(data, context, title, owner) -> Rendered:
    lines = [f"Milestone *{data['title']}* is done.",
             *_goal_lines({**context, "progress": data.get("progress")}, owner)]
    return Rendered(f"🏁 Milestone done: {title}", lines,
                    f"*{owner}* completed milestone *{data['title']}* of *{title}*")


def _health(data, context, title, owner) -> Rendered:
    label = health_label(data["health"])
    expected = round(data["expected"] * 100)
    previous = data.get("previous")
    moved = f"moved from {health_label(previous)} to" if previous else "starts"
    lines = [f"*{title}* {moved} {label}.",
             f"*Progress:* {progress_bar(data['progress'])} (expected {expected}%)"]
    if data.get("days_of_safety") is not None:
        lines.append(f"*At this pace:* {days_to_spare(data['days_of_safety'])}")
    lines.append(f"*Owner:* {owner}")
    return Rendered(f"{label}: {title}", lines, f"*{title}* is now {label}")


def _missed(data, context, title, owner) -> Rendered:
    return Rendered(f"Missed check-in: {title}", [
        f"*{owner}*'s check-in on *{title}* was due {_when(data['due_at'])}.",
        f"Escalation level {data['level']} of 3.",
    ], f"Missed check-in on *{title}* ({owner})")


def _reminder(data, context, title, owner) -> Rendered:
    line = f"Your check-in on *{title}* is due {_when(data['due_at'])}."
    return Rendered(f"Check-in due: {title}", [line], f"Check-in due on *{title}*")


def in_a_row(length: int, frequency: str | None) -> str:
    """A streak of `length` periods of `frequency` (`streak.reached`'s): "3 weeks in a row";
    "3 times in a row" without a frequency it knows (an event from before checkins named it)."""
    return f"{streak_length(length, frequency, otherwise=('time', 'times'))} in a row"


def _streak(data, context, title, owner) -> Rendered:
    text = (f"🔥 *{owner}* checked in {in_a_row(data['length'], data.get('frequency'))} "
            f"on *{title}*")
    return Rendered(f"🔥 Streak: {title}", [text], text)


def _kudos(data, context, title, owner) -> Rendered:
    actor = context.get("actor_name") or "A teammate"
    text = f"{data['emoji']} *{actor}* gave you kudos on *{title}*"
    return Rendered(f"Kudos on {title}", [text], text)


def _comment(data, context, title, owner) -> Rendered:
    actor = context.get("actor_name") or "A teammate"
    return Rendered(f"💬 Comment on {title}", [f"*{actor}* commented on *{title}*:",
                                               f"{QUOTE}{data['text']}"],
                    f"*{actor}* commented on *{title}*")


def _paired(data, context, title, owner) -> Rendered:
    names = ", ".join(context.get("names") or [])
    text = f"🤝 You are now accountability partners: {names}"
    return Rendered("New accountability partners", [text], text)


CHANNELS_PAGE = "/team/channels"  # the web app's page where leads enable a disabled channel
DELIVERIES_PAGE = "/team/deliveries"  # the web app's delivery log, each message refused listed

FIX_ADVICE = {  # what a lead fixes before re-enabling a disabled channel, by its type
    "slack": "Fix it in Slack",
    "teams": "Fix the workflow in Teams",
    "webhook": "Check the receiver's URL and signing secret",
}


def _channel_disabled(data, context, title, owner) -> Rendered:
    """Says where a lead enables the channel again: the web app's Channels page (the notice
    links to it), or, through the API, its PATCH."""
    advice = FIX_ADVICE.get(context.get("channel_type"), "Fix it")
    text = (f"Channel *{context.get('channel_name')}* was disabled: {data['reason']}. "
            f"{advice}, then press Enable on its row of the Channels page "
            "(in the API: PATCH state=active).")
    return Rendered("A notification channel was disabled", [text], text)


REFUSAL_EXCERPT = 200  # characters of the receiver's answer a refusal notice quotes


def _channel_refused(data, context, title, owner) -> Rendered:
    answer = " ".join(data["answer"].split())[:REFUSAL_EXCERPT] or "no answer"
    text = (f"Channel *{context.get('channel_name')}* refused a {data['refused_type']} message: "
            f"{data['status']} {answer}. That message was not delivered; the delivery log lists "
            "each message refused. Check what the receiver accepts.")
    return Rendered("A notification channel refused a message", [text], text)


def _generic(data, context, title, owner) -> Rendered:
    return Rendered(title, [title], title)


_BUILDERS = {
    "goal.created": _goal_created,
    "checkin.logged": _checkin,
    "goal.achieved": _achieved,
    "goal.milestone_completed": _milestone,
    "goal.health_changed": _health,
    "checkin.missed": _missed,
    "checkin.reminder": _reminder,
    "streak.reached": _streak,
    "kudos.given": _kudos,
    "comment.added": _comment,
    "partners.paired": _paired,
    "channel.disabled": _channel_disabled,
    "channel.refused": _channel_refused,
}
