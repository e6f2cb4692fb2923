"""Health from pace: how far actual progress trails what the calendar expects by now.

The window opens at 00:00 on `start_date` and closes at 24:00 on `due_date`, in the owner's time
zone, so a goal due today is not overdue until the day is over.

    expected = elapsed / total           gap = expected - progress
    gap <= 0.10  -> on_track
    gap <= 0.25  -> at_risk
    otherwise    -> off_track

Before the window opens: `not_started`. Once it has closed without the goal being achieved:
`overdue`. Achieved: `done`. Arithmetic is exact (Fraction over microseconds), so the thresholds
are exact boundaries. `next_check_at` is the earliest moment the health can change with time
alone (progress unchanged); the scheduled job only looks at goals whose moment has come.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

ON_TRACK_MAX_GAP = Fraction(1, 10)
AT_RISK_MAX_GAP = Fraction(1, 4)
MICROSECOND = timedelta(microseconds=1)
DAY_US = 86_400_000_000


def local_date(at: datetime, timezone: str) -> date:
    """The day `at` falls on in `timezone`."""
    return at.astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime

    @classmethod
    def of(cls, start: date, due: date, timezone: str) -> Window:
        zone = ZoneInfo(timezone)
        opens = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(due + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        return cls(opens, closes)

    @property
    def total_us(self) -> int:
        return (self.closes - self.opens) // MICROSECOND


@dataclass(frozen=True)
class Pace:
    health: str
    expected: float
    days_of_safety: float | None
    next_check_at: datetime | None


def classify(gap: Fraction) -> str:
    if gap <= ON_TRACK_MAX_GAP:
        return "on_track"
    if gap <= AT_RISK_MAX_GAP:
        return "at_risk"
    return "off_track"


def assess_pace(window: Window, progress: float, now: datetime, *, achieved: bool) -> Pace:
    if achieved:
        return Pace("done", 1.0, None, None)
    if now < window.opens:
        return Pace("not_started", 0.0, None, window.opens)
    if now >= window.closes:
        return Pace("overdue", 1.0, None, None)
    elapsed = (now - window.opens) // MICROSECOND
    expected = Fraction(elapsed, window.total_us)
    actual = Fraction(max(0.0, min(1.0, progress)))
    return Pace(
        classify(expected - actual),
        float(expected),
        days_of_safety(actual, elapsed, (window.closes - now) // MICROSECOND),
        next_change(window, actual, expected),
    )


def next_change(window: Window, actual: Fraction, expected: Fraction) -> datetime:
    """The first instant the gap passes a threshold it has not passed yet, else the close."""
    for threshold in (ON_TRACK_MAX_GAP, AT_RISK_MAX_GAP):
        crossing = actual + threshold
        if crossing >= expected and crossing < 1:
            crossing_us = int(crossing * window.total_us)  # floor: the crossing is just after
            return window.opens + MICROSECOND * (crossing_us + 1)
    return window.closes


def days_of_safety(actual: Fraction, elapsed_us: int, left_us: int) -> float | None:
    """Days to spare (negative: short) if progress keeps its average rate so far."""
    if actual >= 1:
        return round(left_us / DAY_US, 2)
    if actual <= 0 or elapsed_us <= 0:
        return None
    needed_us = (1 - actual) * elapsed_us / actual
    return round(float((left_us - needed_us) / DAY_US), 2)
