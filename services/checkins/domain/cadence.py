"""Cadences: when a goal's check-ins fall due, in its owner's time zone.

A cadence is a frequency (daily, weekly, biweekly, monthly), a weekday or a day of the month,
and a local time. Occurrences come from `dateutil.rrule` on local wall-clock times with a
`zoneinfo` time zone, so 09:00 stays 09:00 on both sides of a DST change. A monthly cadence on
a day a month lacks (the 29th to the 31st) falls on that month's last day.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule

FREQUENCIES = ("daily", "weekly", "biweekly", "monthly")


@dataclass(frozen=True)
class Cadence:
    frequency: str = "weekly"
    weekday: int | None = None  # 0 = Monday
    day_of_month: int | None = None
    time: str | None = None  # "HH:MM" local

    @classmethod
    def from_dict(cls, data: dict | None) -> Cadence | None:
        if not data:
            return None
        return cls(data["frequency"], data.get("weekday"), data.get("day_of_month"),
                   data.get("time"))

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def filled_from(self, fallback: Cadence) -> Cadence:
        """This cadence with its unset fields taken from `fallback`."""
        return replace(self, **{
            f.name: getattr(fallback, f.name) for f in fields(self) if getattr(self, f.name) is None
        })


BUILT_IN = Cadence("weekly", weekday=0, day_of_month=1, time="09:00")


def resolve(*most_specific_first: Cadence | None) -> Cadence:
    """The cadence that applies: goal's, then member's, then team's, then the built-in one."""
    chosen = [c for c in most_specific_first if c is not None]
    result = BUILT_IN
    for cadence in reversed(chosen):
        result = cadence.filled_from(result)
    return result


@dataclass(frozen=True)
class Timetable:
    """A cadence placed in a time zone, anchored at the goal's start date: nothing is due before
    that day begins, and biweekly counts fortnights from it."""

    cadence: Cadence
    timezone: str
    anchor: date

    @property
    def opens_at(self) -> datetime:
        """When the anchor's day begins (aware UTC): the first moment a period covers."""
        return datetime.combine(self.anchor, time(0), ZoneInfo(self.timezone)).astimezone(UTC)

    def next_due(self, after: datetime) -> datetime:
        """The first due moment strictly after `after` and on or after the anchor's day, as an
        aware UTC datetime."""
        zone = ZoneInfo(self.timezone)
        after = max(after, self.opens_at - timedelta(microseconds=1))
        local_after = after.astimezone(zone)
        start = datetime.combine(self._dtstart_date(local_after.date()), time(0), zone)
        rule = rrule(self._freq(), dtstart=start, **self._by_parts())
        # The rule compares wall-clock times, which around a DST change are out of step with
        # the instants they name: a time skipped when clocks go forward (02:30) is due the gap's
        # length later (03:30), after a wall clock already past it (03:10) reads; in the
        # hour repeated when they go back, the day's time is its first occurrence, possibly
        # already past. So start a day early and take the first due after `after` as an instant.
        due = rule.after(local_after - timedelta(days=1), inc=False)
        while due.astimezone(UTC) <= after:
            due = rule.after(due, inc=False)
        return due.astimezone(UTC)

    @property
    def wall_clock(self) -> time:
        """The local time of day the cadence repeats at: a due moment's, except on a day a DST
        change skips it (02:30 as 02:00 becomes 03:00), when it is due as late as the gap."""
        hour, minute = (int(p) for p in (self.cadence.time or "09:00").split(":"))
        return time(hour, minute)

    def _freq(self) -> int:
        return {"daily": DAILY, "weekly": WEEKLY, "biweekly": WEEKLY, "monthly": MONTHLY}[
            self.cadence.frequency]

    def _by_parts(self) -> dict:
        parts: dict = {"byhour": self.wall_clock.hour, "byminute": self.wall_clock.minute,
                       "bysecond": 0}
        frequency = self.cadence.frequency
        if frequency in ("weekly", "biweekly"):
            parts["byweekday"] = self.cadence.weekday or 0
            parts["interval"] = 2 if frequency == "biweekly" else 1
        elif frequency == "monthly":
            day = self.cadence.day_of_month or 1
            parts["bymonthday"] = tuple(range(min(day, 28), day + 1))
            parts["bysetpos"] = -1  # the 31st, or the last day of a shorter month
        return parts

    def _dtstart_date(self, near: date) -> date:
        """A rule start close to `near` (cheap to iterate) that keeps biweekly parity."""
        if self.cadence.frequency != "biweekly":
            return near.replace(day=1) - timedelta(days=1)
        monday = self.anchor - timedelta(days=self.anchor.weekday())
        fortnights = max(0, (near - monday).days // 14 - 1)
        return monday + timedelta(days=14 * fortnights)
