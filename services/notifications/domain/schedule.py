"""Local wall-clock rules: quiet-hour windows and the latest digest slot, via zoneinfo."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.moments import instant


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
