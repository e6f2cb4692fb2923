"""Microsoft Teams messages: an Adaptive Card made from the same `Rendered` content as Slack's.

One source of content, two renderers: `messages.message` makes Block Kit, `teams_message`
makes the Workflows webhook body `{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": <AdaptiveCard>}]}`. The lines' Slack
mrkdwn is carried over: `*bold*` becomes `**bold**`, the card's own `<link|text>` a Markdown
link, a `*Label:* value` line a fact (progress, health, owner), a `> note` line a quoted block.
What members typed (`Rendered.typed`: titles, names, notes) shows as typed (`plain`): no link,
emphasis or list of theirs is read as Markdown.

Limits: Slack's (3,000 characters per text, 150 per title, 50 rows), and Teams' message size:
the body never exceeds `MAX_BYTES`. Over it, notes are shortened first, then rows are dropped
from the end behind one "…and N more" row, so an oversized card is never sent.
"""

from __future__ import annotations

import json
import re

from services.notifications.domain.messages import (
    BLOCK_LIMIT,
    BOLD,
    HEADER_LIMIT,
    SECTION_LIMIT,
    own_links,
    truncate,
)
from services.notifications.domain.render import Rendered

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"
MAX_BYTES = 28 * 1024 - 1024  # Teams refuses messages over ~28 KB; keep 1 KB for its envelope
NOTE_STEPS = (1000, 200, 50)

_MARKUP = re.compile(r"([\\\[\]_])")  # what makes a link or italics in Teams' Markdown
_LIST_ITEM = re.compile(r"^([ \t]*)([-+](?=[ \t]|$)|\d+(?=[.)](?:[ \t]|$)))",
                        re.M)  # a list item's start: "- ", "+ ", "1. ", "1) "
_CUT = re.compile(r"…(?: <[^<>|]+\|more>)?$")  # how `truncate` ends a line it cut
_SPAN = 0xF0000  # private-use characters: what typed text stands for while markup is read
_FACT = re.compile(r"^\*([^*\n]{1,60}):\* (.+)$", re.S)


def teams_message(rendered: Rendered, link: str | None = None) -> dict:
    """The Workflows webhook body for `rendered`, within Slack's limits and Teams' size."""
    lines, hidden = _capped([line for line in rendered.lines if line], link)
    typed = rendered.typed
    for note_limit in (None, *NOTE_STEPS):
        body = _message(rendered.title, _shaped(lines, hidden, note_limit, link), link, typed)
        if fits(body):
            return body
    while lines:
        lines, hidden = lines[:-1], hidden + 1
        body = _message(rendered.title, _shaped(lines, hidden, NOTE_STEPS[-1], link), link,
                        typed)
        if fits(body):
            return body
    return _message(rendered.title, [], link, typed)


def teams_body(rendered: Rendered, link: str | None = None) -> str:
    """The exact JSON text that is stored and posted."""
    return encode(teams_message(rendered, link))


def encode(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def fits(message: dict) -> bool:
    return len(encode(message).encode()) <= MAX_BYTES


def card_of(message: dict) -> dict:
    return message["attachments"][0]["content"]


# -- building ---------------------------------------------------------------------------------
def _message(title: str, lines: list[str], link: str | None,
             typed: tuple[str, ...] = ()) -> dict:
    card: dict = {
        "type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION,
        "body": [_title(title), *_elements(lines, link, typed)],
        "fallbackText": truncate(title, SECTION_LIMIT),
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in Goalkeeper",
                            "url": link}]
    return {"type": "message",
            "attachments": [{"contentType": CONTENT_TYPE, "contentUrl": None, "content": card}]}


def _title(title: str) -> dict:
    return {"type": "TextBlock", "text": plain(truncate(title, HEADER_LIMIT)), "size": "Large",
            "weight": "Bolder", "wrap": True}


def _elements(lines: list[str], link: str | None, typed: tuple[str, ...]) -> list[dict]:
    """Consecutive `*Label:* value` lines make one fact set; notes a quoted container."""
    elements: list[dict] = []
    for line in lines:
        fact = _FACT.match(line)
        if fact:
            item = {"title": fact.group(1), "value": markdown(fact.group(2), link, typed)}
            if elements and elements[-1]["type"] == "FactSet":
                elements[-1]["facts"].append(item)
            else:
                elements.append({"type": "FactSet", "facts": [item]})
        elif line.startswith("> "):
            elements.append({"type": "Container", "style": "emphasis", "items": [
                {"type": "TextBlock", "text": markdown(line[2:], link, typed), "wrap": True,
                 "isSubtle": True}]})
        else:
            elements.append({"type": "TextBlock", "text": markdown(line, link, typed),
                             "wrap": True})
    return elements


def markdown(text: str, link: str | None, typed: tuple[str, ...] = ()) -> str:
    """Slack mrkdwn to the Markdown subset Adaptive Card text blocks render. Only `link`, the
    card's own, becomes a Markdown link: a `<url|text>` or a `[text](url)` in a member's note
    stays as typed. What members typed (`typed`, found in `text` whole or, in a line
    `truncate` cut, cut short) is `plain`: only the card's own `*bold*` is bold."""
    marked, spans = _marked(text, typed)
    linked = own_links(marked, link, lambda url, label: f"[{label}]({url})", literal)
    shown = BOLD.sub(r"**\1**", linked)
    for index, span in enumerate(spans):
        shown = shown.replace(chr(_SPAN + index), plain(span))
    return shown


def _marked(text: str, typed: tuple[str, ...]) -> tuple[str, list[str]]:
    """`text` with each typed value in it (longest first) replaced by one private-use
    character, and the values replaced, in their characters' order."""
    spans: list[str] = []
    for value in typed:
        if value in text and re.search(r"\w", value):  # a bare `*` could be the card's own
            text = text.replace(value, chr(_SPAN + len(spans)))
            spans.append(value)
    cut = _CUT.search(text)
    if cut:
        head = text[:cut.start()]
        start = min((_cut_from(head, value) for value in typed), default=len(head))
        if start < len(head):
            text = head[:start] + chr(_SPAN + len(spans)) + text[cut.start():]
            spans.append(head[start:])
    return text, spans


def _cut_from(head: str, value: str) -> int:
    """Where in `head` a start of `value` begins that runs to its end (a value `truncate`
    cut there), the earliest such place; `len(head)` when there is none."""
    at = head.find(value[:1])
    while at != -1 and value[:1]:
        if value.startswith(head[at:]):
            return at
        at = head.find(value[:1], at + 1)
    return len(head)


def literal(text: str) -> str:
    """`text` shown as typed in Teams' Markdown: a member's `[text](url)` is not a link (a
    disguised one, on a card sent by Goalkeeper) and `snake_case` is not italic."""
    return _MARKUP.sub(r"\\\1", text)


def plain(text: str) -> str:
    """`text` with no Markdown at all, as Slack's plain-text header shows a title: `literal`,
    a `*` is not emphasis either (`Cut p99 *latency*` stays as typed, not in italics), and a
    line starting `- ` or `1. ` is no list item."""
    escaped = literal(text).replace("*", "\\*")
    return _LIST_ITEM.sub(lambda item: item[1] + (
        item[2] + "\\" if item[2].isdigit() else "\\" + item[2]), escaped)


# -- limits -----------------------------------------------------------------------------------
def _capped(lines: list[str], link: str | None) -> tuple[list[str], int]:
    """Slack's limits: each line within a section's length, at most 49 rows under the title
    (the last of them "…and N more" when rows are hidden). Returns the rows kept and N."""
    lines = [truncate(line, SECTION_LIMIT, link) for line in lines]
    room = BLOCK_LIMIT - 1
    if len(lines) <= room:
        return lines, 0
    return lines[: room - 1], len(lines) - (room - 1)


def _shaped(lines: list[str], hidden: int, note_limit: int | None,
            link: str | None) -> list[str]:
    shaped = [_shorten_note(line, note_limit) for line in lines]
    return [*shaped, _more(hidden, link)] if hidden else shaped


def _shorten_note(line: str, limit: int | None) -> str:
    if limit is None or not line.startswith("> "):
        return line
    return "> " + truncate(line[2:], limit)


def _more(hidden: int, link: str | None) -> str:
    return f"…and {hidden} more" + (f": <{link}|open Goalkeeper>" if link else "")
