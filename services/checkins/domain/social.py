"""Kudos and comments: teammates celebrating each other's check-ins."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from services.checkins.domain.checkin import Checkin
from shared.domain import Aggregate, Forbidden, Unprocessable

SHORTCODE = re.compile(r"^:[a-z0-9_+\-]{1,40}:$")


def check_emoji(emoji: str) -> str:
    """A Slack-style `:shortcode:` or a single emoji (a few code points, no letters/digits)."""
    emoji = emoji.strip()
    pictograph = 0 < len(emoji) <= 8 and all(ord(ch) > 0x2000 for ch in emoji)
    if not (SHORTCODE.match(emoji) or pictograph):
        raise Unprocessable("not an emoji", errors={"emoji": [
            "Use an emoji such as 🎉 or a shortcode such as :tada:."]})
    return emoji


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
        if not text:
            raise Unprocessable("a comment needs text", errors={"text": ["Must not be blank."]})
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
