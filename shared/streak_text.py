"""A check-in streak as a member reads it: in its goal's schedule's own words, not "periods".

The web app's My week and the notifications (their streak message, the team digest, the Slack
App Home) word a streak the same way, from the frequency checkins applies to the goal.
"""

from __future__ import annotations

PERIODS = {"daily": ("day", "days"), "weekly": ("week", "weeks"),
           "biweekly": ("fortnight", "fortnights"), "monthly": ("month", "months")}
"""What one streak period is called, by the cadence's frequency (one, more)."""

CHECK_INS = ("check-in", "check-ins")


def streak_length(count: int, frequency: str | None,
                  otherwise: tuple[str, str] = CHECK_INS) -> str:
    """`count` streak periods of a schedule of `frequency` (the one checkins applies, from the
    due list's item or the `streak.reached` event), in its words: 3 weekly -> "3 weeks", 1
    daily -> "1 day"; a frequency it does not know (or none) counts in the words `otherwise`
    (one, more), check-ins by default: "3 check-ins"."""
    one, more = PERIODS.get(frequency or "", otherwise)
    return f"{count} {one if count == 1 else more}"
