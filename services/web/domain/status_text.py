"""The APIs' names for a goal's status and a member's role and state, as the pages say them."""

from __future__ import annotations

GOAL_STATUSES = {"draft": "Draft", "active": "Active", "achieved": "Achieved",
                 "partial": "Partly reached", "missed": "Missed", "dropped": "Dropped"}
ROLES = {"lead": "Lead", "member": "Member"}
MEMBER_STATES = {"active": "Active", "snoozed": "Snoozed", "left": "Left"}


def in_words(words: dict[str, str], name: str) -> str:
    """`name` as `words` says it; a name they do not know yet (an API's newer one) in plain
    words all the same: "on_leave" -> "On leave"."""
    return words.get(name) or name.replace("_", " ").capitalize()
