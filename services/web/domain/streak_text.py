"""A check-in streak as a member reads it: in its goal's schedule's own words, not "periods"."""

from __future__ import annotations

PERIODS = {"daily": ("day", "days"), "weekly": ("week", "weeks"),
           "biweekly": ("fortnight", "fortnights"), "monthly": ("month", "months")}
"""What one streak period is called, by the cadence's frequency (one, more)."""


def streak_length(count: int, goal: dict) -> str:
    """`count` streak periods of `goal` in its schedule's words: 3 of a weekly goal -> "3
    weeks", 1 of a daily one -> "1 day"; a goal whose frequency it does not know (or without a
    schedule) counts check-ins, one a period: "3 check-ins"."""
    frequency = (goal.get("cadence") or {}).get("frequency") or ""
    one, more = PERIODS.get(frequency, ("check-in", "check-ins"))
    return f"{count} {one if count == 1 else more}"
