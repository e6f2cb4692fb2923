"""Local wall-clock rules: quiet-hour windows and the latest digest slot, via zoneinfo."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def quiet_until(now: datetime, timezone: str, start: str, end: str) -> datetime | None:
    """The UTC moment quiet hours end, when `now` falls inside them; else None.

    The window runs from `start` to `end` local time and may wrap midnight (22:00-07:00).
    """
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    begin, finish = parse_hhmm(start), parse_hhmm(end)
    clock = local.time().replace(tzinfo=None)
    if begin == finish:
        return None
    inside = begin <= clock < finish if begin < finish else (clock >= begin or clock < finish)
    if not inside:
        return None
    day = local.date() if finish > clock else local.date() + timedelta(days=1)
    return instant(day, finish, zone)


def instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC moment the wall clock in `zone` first reads `clock` on `day`, or later.

    A time a change of clock skips (02:30 when 02:00 jumps to 03:00) maps to the first instant
    after the gap, the change itself; a time read twice (autumn) to its first occurrence."""
    moment = datetime.combine(day, clock, tzinfo=zone)
    past_gap = moment.astimezone(UTC)  # a skipped time, read with the offset before the change
    if past_gap.astimezone(zone).replace(tzinfo=None) == moment.replace(tzinfo=None):
        return past_gap  # the time exists (read twice in autumn: fold 0, the first)
    before_gap = moment.replace(fold=1).astimezone(UTC)  # read with the offset after it
    changed = _offset(past_gap, zone)
    seconds = bisect_left(range(int((past_gap - before_gap).total_seconds()) + 1), True,
                          key=lambda s: _offset(before_gap + timedelta(seconds=s), zone) == changed)
    return before_gap + timedelta(seconds=seconds)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta | None:
    return moment.astimezone(zone).utcoffset()


def latest_slot(now: datetime, timezone: str, hour: int, weekday: int | None) -> datetime:
    """The latest local `hour:00` (on `weekday`, 0 = Monday, when given) at or before `now`."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    slot = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if slot > local:
        slot -= timedelta(days=1)
    if weekday is not None:
        slot -= timedelta(days=(slot.weekday() - weekday) % 7)
    return slot.astimezone(UTC)
