"""Kudos and comments: teammates celebrating each other's check-ins."""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import datetime

from services.checkins.domain.checkin import Checkin
from services.checkins.domain.emoji import TEXT_BY_DEFAULT, fully_qualified
from shared.domain import BLANK_TEXT, Aggregate, Forbidden, Unprocessable, is_blank

SHORTCODE = re.compile(r"^:[a-z0-9_+\-]{1,40}:$")
KEYCAP = re.compile(r"^[0-9#*]\ufe0f?\u20e3$")  # 1️⃣, #️⃣
# What joins and dresses an emoji's symbols: the zero-width joiner (👩‍💻), the variation
# selectors (©️), the keycap; the tags of a subdivision flag (🏴󠁧󠁢󠁳󠁣󠁴󠁿) are checked by range.
ZWJ = "\u200d"
_JOINERS = {ZWJ, "\ufe0e", "\ufe0f", "\u20e3"}
_TAGS = range(0xE0020, 0xE0080)
_REGIONAL = range(0x1F1E6, 0x1F200)  # a flag is two of these: 🇩🇪


def _pictograph(text: str) -> bool:
    """One emoji as written: symbols (Unicode's `So`, the emoji shown as text by default such
    as ‼ or ↔, with skin tones, `Sk`) and what joins them, or a keycap; never letters or
    digits of any script, nor two emoji (🎉🎉), nor a joiner joining nothing."""
    if KEYCAP.match(text):
        return True
    kinds = ["So" if ch in TEXT_BY_DEFAULT else unicodedata.category(ch) for ch in text]
    loose_joiner = text.startswith(ZWJ) or text.endswith(ZWJ) or ZWJ * 2 in text
    return 0 < len(text) <= 16 and not loose_joiner and _emoji_count(text, kinds) == 1 and all(
        kind in ("So", "Sk") or ch in _JOINERS or ord(ch) in _TAGS
        for ch, kind in zip(text, kinds, strict=True))


def _emoji_count(text: str, kinds: list[str]) -> int:
    """How many emoji the symbols of `text` write: each symbol begins one, but one joined to
    the symbol before it (👩‍💻) and a flag's second letter."""
    count, flag_open = 0, False
    for i, (ch, kind) in enumerate(zip(text, kinds, strict=True)):
        if kind != "So" or (i > 0 and text[i - 1] == ZWJ):
            continue
        if ord(ch) in _REGIONAL and flag_open:
            flag_open = False
            continue
        flag_open = ord(ch) in _REGIONAL
        count += 1
    return count


def check_emoji(emoji: str) -> str:
    """A Slack-style `:shortcode:`, or a single emoji written in full (`fully_qualified`): ❤
    and ❤️ are one emoji, one kudos."""
    emoji = emoji.strip()
    if SHORTCODE.match(emoji):
        return emoji
    if not _pictograph(emoji):
        raise Unprocessable("not an emoji", errors={"emoji": [
            "Use an emoji such as 🎉 or a shortcode such as :tada:."]})
    return fully_qualified(emoji)


class Kudos(Aggregate):
    def __init__(self, checkin: Checkin, from_id: str, emoji: str, *, at: datetime):
        if from_id == checkin.author_id:
            raise Forbidden("kudos are for teammates' check-ins, not your own")
        self.id = str(uuid.uuid4())
        self.checkin_id = checkin.id
        self.team_id = checkin.team_id
        self.from_id = from_id
        self.emoji = check_emoji(emoji)
        self.created_at = at
        self.record("kudos.given", self.team_id, {
            "checkin_id": checkin.id, "goal_id": checkin.goal_id, "team_id": self.team_id,
            "from_id": from_id, "to_id": checkin.author_id, "emoji": self.emoji,
            "at": at.isoformat()}, subject=checkin.goal_id)


class Comment(Aggregate):
    def __init__(self, checkin: Checkin, author_id: str, text: str, *, at: datetime):
        text = text.strip()
        if is_blank(text):
            raise Unprocessable("a comment needs text", errors={"text": [BLANK_TEXT]})
        self.id = str(uuid.uuid4())
        self.checkin_id = checkin.id
        self.team_id = checkin.team_id
        self.author_id = author_id
        self.text = text
        self.created_at = at
        self.record("comment.added", self.team_id, {
            "comment_id": self.id, "checkin_id": checkin.id, "goal_id": checkin.goal_id,
            "team_id": self.team_id, "author_id": author_id, "to_id": checkin.author_id,
            "text": text, "at": at.isoformat()}, subject=checkin.goal_id)
