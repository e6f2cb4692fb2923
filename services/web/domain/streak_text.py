"""A check-in streak as a member reads it: in its goal's schedule's own words, not "periods"."""

from __future__ import annotations

PERIODS = {"daily": ("day", "days"), "weekly": ("week", "weeks"),
           "biweekly": ("fortnight", "fortnights"), "monthly": ("month", "months")}
"""What one streak period is called, by the cadence's frequency (one, more)."""


def streak_length(count: int, frequency: str | None) -> str:
    """`count` streak periods of a schedule of `frequency` (the one checkins applies, from the
    due list's item), in its words: 3 weekly -> "3 weeks", 1 daily -> "1 day"; a frequency it
    does not know (or none) counts check-ins, one a period: "3 check-ins"."""
    one, more = PERIODS.get(frequency or "", ("check-in", "check-ins"))
    return f"{count} {one if count == 1 else more}"
