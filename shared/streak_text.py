"""A check-in streak as a member reads it: in its goal's schedule's own words, not "periods".

The web app's My week and the notifications (their streak message, the team digest, the Slack
App Home) word a streak the same way, from the frequency checkins applies to the goal; the App
Home and My week rank streaks of different schedules by the time they cover (`streak_days`).
"""

from __future__ import annotations

from typing import NamedTuple


class Period(NamedTuple):
    """One streak period of a cadence: what it is called (one, more) and about how many days
    it spans (a month as 30)."""

    one: str
    more: str
    days: int


PERIODS = {"daily": Period("day", "days", 1), "weekly": Period("week", "weeks", 7),
           "biweekly": Period("fortnight", "fortnights", 14),
           "monthly": Period("month", "months", 30)}
"""One streak period, by the cadence's frequency."""

CHECK_INS = ("check-in", "check-ins")


def streak_length(count: int, frequency: str | None,
                  otherwise: tuple[str, str] = CHECK_INS) -> str:
    """`count` streak periods of a schedule of `frequency` (the one checkins applies, from the
    due list's item or the `streak.reached` event), in its words: 3 weekly -> "3 weeks", 1
    daily -> "1 day"; a frequency it does not know (or none) counts in the words `otherwise`
    (one, more), check-ins by default: "3 check-ins"."""
    period = PERIODS.get(frequency or "")
    one, more = (period.one, period.more) if period else otherwise
    return f"{count} {one if count == 1 else more}"


def streak_days(count: int, frequency: str | None) -> int:
    """About how many days `count` streak periods of `frequency` cover: 3 weekly -> 21, more
    than 5 daily. A frequency it does not know (or none) counts a day a check-in, as a daily
    schedule would."""
    period = PERIODS.get(frequency or "")
    return count * (period.days if period else 1)
