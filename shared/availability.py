"""Whether a member hears from Goalkeeper: the rule every service applies to a member's state.

A member who left hears nothing; a snoozed member (on holiday) hears nothing up to and including
their `snoozed_until` day, in their own time zone; everyone else hears everything.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def hears_from_us(state: str, snoozed_until: str | None, timezone: str, now: datetime) -> bool:
    """Whether a member in `state` (snoozed until the ISO day `snoozed_until`, living in
    `timezone`) is told anything at `now`."""
    if state == "left":
        return False
    if state == "snoozed":
        today = now.astimezone(ZoneInfo(timezone)).date()
        return snoozed_until is not None and today > date.fromisoformat(snoozed_until)
    return True
