"""Cadences: due moments stay at local wall-clock time across DST, months and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.checkins.domain.cadence import BUILT_IN, Cadence, Timetable, resolve


def dues(timetable: Timetable, after: datetime, count: int) -> list[datetime]:
    moments, moment = [], after
    for _ in range(count):
        moment = timetable.next_due(moment)
        moments.append(moment)
    return moments


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "after", "expected"), [
    # Berlin: CET (+1) until Sunday 29 March 2026, then CEST (+2); back on 25 October
    ("Europe/Berlin", utc(2026, 3, 20), [utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)]),
    ("Europe/Berlin", utc(2026, 10, 15), [utc(2026, 10, 19, 7), utc(2026, 10, 26, 8)]),
    # New York: EST (-5) until Sunday 8 March 2026, then EDT (-4); back on 1 November
    ("America/New_York", utc(2026, 3, 1), [utc(2026, 3, 2, 14), utc(2026, 3, 9, 13)]),
    ("America/New_York", utc(2026, 10, 25), [utc(2026, 10, 26, 13), utc(2026, 11, 2, 14)]),
])
def test_weekly_cadence_keeps_local_time_across_a_dst_change(zone, after, expected):
    monday_nine = Timetable(resolve(Cadence("weekly", weekday=0, time="09:00")), zone,
                            date(2026, 1, 5))
    assert dues(monday_nine, after, 2) == expected


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months():
    monthly = Timetable(resolve(Cadence("monthly", day_of_month=31, time="18:00")), "UTC",
                        date(2026, 1, 1))
    assert [d.date() for d in dues(monthly, utc(2026, 1, 1), 6)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
        date(2026, 5, 31), date(2026, 6, 30)]
    assert dues(monthly, utc(2028, 2, 1), 1)[0] == utc(2028, 2, 29, 18)  # leap year


def test_monthly_on_the_30th_keeps_the_30th_and_uses_february_end():
    monthly = Timetable(resolve(Cadence("monthly", day_of_month=30)), "UTC", date(2026, 1, 1))
    assert [d.day for d in dues(monthly, utc(2026, 1, 1), 3)] == [30, 28, 30]


def test_the_same_cadence_is_due_at_different_utc_moments_in_different_zones():
    cadence = resolve(Cadence("daily", time="09:00"))
    after = utc(2026, 6, 1, 12)
    tokyo = Timetable(cadence, "Asia/Tokyo", date(2026, 1, 1)).next_due(after)
    berlin = Timetable(cadence, "Europe/Berlin", date(2026, 1, 1)).next_due(after)
    assert (tokyo, berlin) == (utc(2026, 6, 2, 0), utc(2026, 6, 2, 7))


def test_biweekly_counts_fortnights_from_the_goal_start():
    biweekly = Timetable(resolve(Cadence("biweekly", weekday=2, time="10:00")), "UTC",
                         date(2026, 1, 7))
    assert dues(biweekly, utc(2026, 3, 1), 3) == [
        utc(2026, 3, 4, 10), utc(2026, 3, 18, 10), utc(2026, 4, 1, 10)]  # Jan 7 + 14k days


def test_due_is_strictly_after_the_given_moment():
    daily = Timetable(resolve(Cadence("daily", time="09:00")), "UTC", date(2026, 1, 1))
    assert daily.next_due(utc(2026, 5, 5, 9)) == utc(2026, 5, 6, 9)


def test_most_specific_cadence_wins_and_unset_fields_fall_through():
    team = Cadence("weekly", weekday=4, time="16:00")
    member = Cadence("weekly", weekday=2)
    goal = Cadence("monthly", day_of_month=15)
    assert resolve(goal, member, team) == Cadence("monthly", 2, 15, "16:00")
    assert resolve(None, member, team) == Cadence("weekly", 2, 1, "16:00")
    assert resolve(None, None, None) == BUILT_IN == Cadence("weekly", 0, 1, "09:00")


def test_in_the_hour_repeated_when_clocks_go_back_the_next_due_is_never_in_the_past():
    """Berlin, 25 October 2026: 02:00-03:00 comes twice. At 02:30 the second time (00:30 UTC
    plus an hour), a daily 02:45 was already due at its first occurrence: next is the 26th."""
    daily = Timetable(resolve(Cadence("daily", time="02:45")), "Europe/Berlin", date(2026, 1, 1))
    after = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the repeated hour
    assert daily.next_due(after) == datetime(2026, 10, 26, 1, 45, tzinfo=UTC)
    first = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST, before the change
    assert daily.next_due(first) == datetime(2026, 10, 25, 0, 45, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "after", "expected"), [
    # Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST; 03:10 CEST is 01:10 UTC
    ("Europe/Berlin", utc(2026, 3, 29, 1, 10), utc(2026, 3, 29, 1, 30)),
    # New York, 8 March 2026: 02:00 EST becomes 03:00 EDT; 03:10 EDT is 07:10 UTC
    ("America/New_York", utc(2026, 3, 8, 7, 10), utc(2026, 3, 8, 7, 30)),
])
def test_a_time_skipped_when_clocks_go_forward_is_due_after_the_gap_even_from_within_it(
        zone, after, expected):
    """A daily 02:30 on the day 02:00-03:00 does not exist is due at 03:30. At 03:10 it is
    still to come, though the wall clock is past 02:30: it was skipped for the next day's."""
    daily = Timetable(resolve(Cadence("daily", time="02:30")), zone, date(2026, 1, 1))
    assert daily.next_due(after) == expected
