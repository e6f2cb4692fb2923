"""Whether a member hears from Goalkeeper: the rule every service applies to a member's state.

A member who left hears nothing; a snoozed member (on holiday) hears nothing up to and including
their `snoozed_until` day, in their own time zone: their snooze ends once, when their wall clock
first reads a later day (`snooze_ends_at`); everyone else hears everything. goals never
snoozes without a day; a copy that says snoozed without one was made before the copy kept the day
(notifications' member copies before e5c1b7a3d926): it hears everything, as it did then, until
the member's next `member.updated` brings the day, rather than nothing for ever.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.moments import instant


def hears_from_us(state: str, snoozed_until: str | None, timezone: str, now: datetime) -> bool:
    """Whether a member in `state` (snoozed until the ISO day `snoozed_until`, living in
    `timezone`) is told anything at `now` (aware)."""
    return state != "left" and back_at(state, snoozed_until, timezone, now) is None


def back_at(state: str, snoozed_until: str | None, timezone: str,
            now: datetime) -> datetime | None:
    """When a member silenced at `now` (aware) by their snooze hears from us again: the snooze's
    end (`snooze_ends_at`). None when nothing silences them at `now`, or they left (never)."""
    if state != "snoozed" or snoozed_until is None:  # awake, gone, or an old copy (above)
        return None
    ends = snooze_ends_at(snoozed_until, timezone)
    return ends if now < ends else None


def snooze_ends_at(snoozed_until: str, timezone: str) -> datetime:
    """The UTC moment a snooze through the ISO day `snoozed_until` ends for a member living in
    `timezone`: the first moment their wall clock reads the day after (its midnight, or the
    change of clock that skips it). A clock set back over midnight later does not resume it."""
    day_after = date.fromisoformat(snoozed_until) + timedelta(days=1)
    return instant(day_after, time(0), ZoneInfo(timezone))
