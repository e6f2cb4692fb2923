"""The APIs' names for a goal's status, a member's role and state, a channel's type and state
and a delivery's status, as the pages say them."""

from __future__ import annotations

GOAL_STATUSES = {"draft": "Draft", "active": "Active", "achieved": "Achieved",
                 "partial": "Partly reached", "missed": "Missed", "dropped": "Dropped"}
ROLES = {"lead": "Lead", "member": "Member"}
MEMBER_STATES = {"active": "Active", "snoozed": "Snoozed", "left": "Left"}
CHANNEL_TYPES = {"slack": "Slack incoming webhook", "teams": "Microsoft Teams workflow",
                 "webhook": "Signed outgoing webhook"}
CHANNEL_STATES = {"active": "Active", "disabled": "Disabled"}
DELIVERY_STATUSES = {"pending": "Waiting to be sent", "sent": "Sent", "failed": "Failed",
                     "coalesced": "Merged into another message", "held": "Held until later",
                     "digest": "Waiting for the digest", "digested": "Sent in a digest",
                     "muted": "Muted"}
ATTEMPT_OUTCOMES = {"sent": "sent", "failed": "failed", "pending": "failed, to be tried again"}
WORDS = {"goal_status": GOAL_STATUSES, "member_role": ROLES, "member_state": MEMBER_STATES,
         "channel_type": CHANNEL_TYPES, "channel_state": CHANNEL_STATES,
         "delivery_status": DELIVERY_STATUSES, "attempt_outcome": ATTEMPT_OUTCOMES}
"""Each kind of name, by the filter the templates say it with: `{{ c.type | channel_type }}`."""


def in_words(words: dict[str, str], name: str) -> str:
    """`name` as `words` says it; a name they do not know yet (an API's newer one) in plain
    words all the same: "on_leave" -> "On leave"."""
    return words.get(name) or name.replace("_", " ").capitalize()

