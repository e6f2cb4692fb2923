"""Whether a member hears from Goalkeeper: the rule every service applies to a member's state.

A member who left hears nothing; a snoozed member (on holiday) hears nothing up to and including
their `snoozed_until` day, in their own time zone; everyone else hears everything. goals never
snoozes without a day; a copy that says snoozed without one was made before the copy kept the day
(notifications' member copies before e5c1b7a3d926): it hears everything, as it did then, until
the member's next `member.updated` brings the day, rather than nothing for ever.
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
        if snoozed_until is None:  # snoozed before the copy kept the day: as it was then
            return True
        today = now.astimezone(ZoneInfo(timezone)).date()
        return today > date.fromisoformat(snoozed_until)
    return True
