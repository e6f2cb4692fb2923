"""Slack Block Kit messages for events, kept inside Slack's limits."""

from __future__ import annotations

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
BAR_WIDTH = 10


def progress_bar(fraction: float) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {round(fraction * 100)}%"


def truncate(text: str, limit: int, link: str | None = None) -> str:
    if len(text) <= limit:
        return text
    more = f"… <{link}|more>" if link else "…"
    return text[: limit - len(more)] + more


def section(text: str, link: str | None = None) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, SECTION_LIMIT, link)}}


def message(title: str, lines: list[str], *, link: str | None = None) -> dict:
    """A Slack message: a header, then one section per line, at most 50 blocks."""
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": truncate(title, 150)}}]
    blocks += [section(line, link) for line in lines if line]
    if len(blocks) > BLOCK_LIMIT:
        blocks = blocks[: BLOCK_LIMIT - 1] + [section(f"…and more: <{link}|open Goalkeeper>"
                                                      if link else "…and more")]
    return {"text": truncate(title, SECTION_LIMIT), "blocks": blocks}


def render(event_type: str, data: dict, context: dict, link: str | None = None) -> dict:
    """The message for an event; `context` adds names and titles from the read model."""
    owner = context.get("owner_name") or "someone"
    title = context.get("goal_title") or data.get("title") or "a goal"
    if event_type == "goal.created":
        metric = data.get("metric") or {}
        target = f"{metric.get('target'):g} {metric.get('unit')}" if metric else "milestones"
        return message(f"New goal: {title}", [
            f"*Owner:* {owner}", f"*Target:* {target} by {data.get('due_date') or 'no date'}",
        ], link=link)
    if event_type == "checkin.logged":
        value = data.get("value") if data.get("value") is not None else data.get("delta")
        lines = [f"*{owner}* checked in on *{title}*: {value:g}" if value is not None
                 else f"*{owner}* checked in on *{title}*"]
        if context.get("progress") is not None:
            lines.append(progress_bar(context["progress"]))
        if data.get("note"):
            lines.append(f"> {data['note']}")
        return message(f"Check-in: {title}", lines, link=link)
    return message(event_type, [f"{title}"], link=link)
