"""Slack Block Kit messages kept inside Slack's limits: long content is cut, never rejected.

Limits: 3,000 characters per section text, 150 per header, 50 blocks per message. Text over a
limit ends in `… <link|more>`; blocks over the limit end in one "…and N more" section.

Text that users wrote (titles, names, notes, comments, units) reaches mrkdwn through `escape`:
Slack reads `<!channel>`, `<@U…>` and `<url|text>` as mentions and links, so a goal titled
`<!channel>` would otherwise notify the whole channel; and it reads `*`, `_`, `~` and `` ` `` as
bold, italics, strike-through and code, so "Fix *all* bugs" would show "all" in bold and end
the bold around the title. Slack has no escape for those four (a backslash stays visible), but
it shows a date's fallback text as plain text: each is sent as the fallback of a date it
cannot show, `<!date^00000000^{_}|*>` (jsx-slack's `<Escape>` does the same).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from shared.health_text import HEALTH_WORDS

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BLOCK_LIMIT = 50
BAR_WIDTH = 10
QUOTE = "> "
BOLD = re.compile(r"(?<![*\w])\*([^*\n]+)\*(?![*\w])")  # mrkdwn's *bold*
_LINK = re.compile(r"<([^|<>\s]+)\|([^<>]+)>")  # mrkdwn's <url|text>
_ENTITY = len("&amp;")  # the longest entity `escape` writes
_MARK = re.compile(r"(:[\w+'-]+:)|([*_~`])")  # an emoji's :short_name:, or a mrkdwn mark
_SPAN = 0xF0000  # private-use characters: what typed text stands for while a line is escaped

HEALTH = {health: (emoji, HEALTH_WORDS[health]) for health, emoji in (
    ("on_track", "🟢"), ("at_risk", "🟡"), ("off_track", "🔴"), ("overdue", "⏰"),
    ("not_started", "⚪"), ("done", "✅"))}
"""Each health's emoji and its words (`shared.health_text`), in the order messages count them."""


def progress_bar(fraction: float) -> str:
    fraction = max(0.0, min(1.0, fraction))
    filled = round(fraction * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {round(fraction * 100)}%"


def health_label(health: str | None) -> str:
    emoji, label = HEALTH.get(health or "", ("❔", "Unknown"))
    return f"{emoji} {label}"


def escape(text: str) -> str:
    """`text` (what a member typed) as mrkdwn that shows it as written: `&`, `<` and `>` as
    Slack's entities, each `*`, `_`, `~` and `` ` `` as the plain-text fallback of a date
    (`literal_mark`), so none of them formats; an emoji's `:short_name:` stays an emoji."""
    return _MARK.sub(lambda found: found[1] or literal_mark(found[2]), entities(text))


def literal_mark(mark: str) -> str:
    """`mark` shown as itself in mrkdwn: the fallback of a date whose format Slack cannot read."""
    return f"<!date^00000000^{{_}}|{mark}>"


def entities(text: str) -> str:
    """`text` with `&`, `<` and `>` as Slack's entities, its `*bold*` still bold: for a line of
    Goalkeeper's own markup around typed text that is escaped on its own (`message`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def team_tag(team: str | None) -> str:
    """What follows a goal's title where the reader's goals are of more than one team (a
    person in two teams may have "Run 100 km" in each): ` (Ops)`; nothing without `team`."""
    return f" ({escape(team)})" if team else ""


def escape_line(line: str, typed: tuple[str, ...] = ()) -> str:
    """A line of Goalkeeper's mrkdwn around user text, escaped: each of `typed` in it (what
    members typed, longest first) as `escape` shows it, so only Goalkeeper's own `*bold*` is
    bold; the rest as `entities`. A leading `> ` stays a block quote."""
    spans: list[str] = []
    for value in typed:
        if value in line and re.search(r"\w", value):  # a bare `*` could be Goalkeeper's own
            line = line.replace(value, chr(_SPAN + len(spans)))
            spans.append(value)
    quote = QUOTE if line.startswith(QUOTE) else ""
    line = quote + entities(line[len(quote):])
    for index, span in enumerate(spans):
        line = line.replace(chr(_SPAN + index), escape(span))
    return line


def slack_date(moment: datetime, tokens: str = "{date_short_pretty} at {time}") -> str:
    """`moment` as Slack shows a date: in each reader's own time zone (a DM's owner, partner and
    lead each see their local time), falling back to UTC where a client cannot."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    fallback = f"{moment.astimezone(UTC):%a %d %b, %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{tokens}|{fallback}>"


def own_links(text: str, link: str | None, render: Callable[[str, str], str],
              plain: Callable[[str], str] = lambda part: part) -> str:
    """`text` for another format (Teams' Markdown, an email), where only the message's own
    `link`, written `<link|label>`, becomes `render(url, label)`: a `<url|text>` a member typed
    stays as typed, so nobody can put a disguised link in a teammate's message. Everything
    else goes through `plain` (an escape for HTML)."""
    parts, at = [], 0
    for match in _LINK.finditer(text):
        if link is not None and match[1] == link:
            parts += [plain(text[at:match.start()]), render(match[1], match[2])]
            at = match.end()
    return "".join(parts) + plain(text[at:])


def truncate(text: str, limit: int, link: str | None = None) -> str:
    """`text` within `limit` characters, ending in `… <link|more>` when cut. The cut never
    splits an entity (`&amp;`) or a `<…>` token (a link, a date), which Slack would show
    broken."""
    if len(text) <= limit:
        return text
    more = f"… <{link}|more>" if link else "…"
    head = text[: limit - len(more)]
    amp = head.rfind("&", len(head) - _ENTITY + 1)
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    if head.rfind("<") > head.rfind(">"):
        head = head[: head.rfind("<")]
    return head + more


def section(text: str, link: str | None = None) -> dict:
    text = truncate(text, SECTION_LIMIT, link)
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def message(title: str, lines: list[str], *, link: str | None = None,
            typed: tuple[str, ...] = ()) -> dict:
    """A Slack message: a header, then one section per line, at most 50 blocks. `lines` are
    mrkdwn made from user text (`render`), `typed` what members typed in them
    (`Rendered.typed`); they are escaped here (`escape_line`), and `title`, plain text, too
    for the notification's text."""
    header = {"type": "header",
              "text": {"type": "plain_text", "text": truncate(title, HEADER_LIMIT), "emoji": True}}
    sections = [section(escape_line(line, typed), link) for line in lines if line]
    room = BLOCK_LIMIT - 1
    if len(sections) > room:
        hidden = len(sections) - (room - 1)
        more = f"…and {hidden} more" + (f": <{link}|open Goalkeeper>" if link else "")
        sections = sections[: room - 1] + [section(more)]
    return {"text": truncate(escape(title), SECTION_LIMIT), "blocks": [header, *sections]}
