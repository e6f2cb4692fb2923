"""A feed item's text as the feed page shows it, and what its unread count is made of.

The notifications service writes one text for Slack and the feed: Slack's mrkdwn (`*bold*`, a
`> ` quote line) with moments in ISO 8601 and UTC ("is due 2026-12-07T09:00:00+00:00"). The page
shows the bold as bold, a quote as a quote, a kudos' `:clap:` as the emoji Slack would draw, and
each moment in the reader's own time zone, as every other time on the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from shared.moments import in_zone

SHORTCODES = {":clap:": "👏", ":tada:": "🎉", ":fire:": "🔥", ":rocket:": "🚀", ":+1:": "👍",
              ":thumbsup:": "👍", ":heart:": "❤️", ":muscle:": "💪", ":star:": "⭐",
              ":raised_hands:": "🙌", ":100:": "💯", ":trophy:": "🏆"}
SHORTCODE = re.compile(r":[a-z0-9_+-]+:")
BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")  # mrkdwn's *bold*, as email reads it
QUOTE = "> "


@dataclass(frozen=True)
class Line:
    parts: list[tuple[str, bool]]  # (text, bold)
    quote: bool = False


def lines_of(text: str, zone: ZoneInfo) -> list[Line]:
    """`text`'s lines, each as plain and bold parts, its moments in `zone`."""
    lines = []
    for raw in (text or "").splitlines():
        quote = raw.startswith(QUOTE)
        body = raw[len(QUOTE):] if quote else raw
        parts, at = [], 0
        for match in BOLD.finditer(body):
            parts += [(in_zone(body[at:match.start()], zone), False),
                      (in_zone(match[1], zone), True)]
            at = match.end()
        parts.append((in_zone(body[at:], zone), False))
        parts = [(_emoji(text), bold) for text, bold in parts]
        lines.append(Line([p for p in parts if p[0]], quote))
    return [line for line in lines if line.parts]


def _emoji(text: str) -> str:
    """`text` with the Slack shortcodes it knows as emoji (an unknown one stays as typed)."""
    return SHORTCODE.sub(lambda m: SHORTCODES.get(m[0], m[0]), text)


def unread_on_page(items: list[dict], *, paged: bool) -> int | None:
    """The member's unread count when this page is their whole feed (its unread items); None
    when the feed goes on past it (`paged`): then only the notifications API can count them."""
    return None if paged else sum(1 for item in items if not item["read"])
