"""The calendar feed, parsed back and expanded with recurring-ical-events, holds exactly the
scheduler's own due times, across Berlin's DST changes (late March and late October)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from services.checkins.domain.cadence import Cadence, Timetable, resolve
from services.checkins.domain.calendar import (
    CalendarFeed,
    CheckinSeries,
    GoalDue,
    PairingSession,
    build_feed,
    pairing_start,
    token_hash,
)
from services.checkins.domain.replicas import MemberView

BERLIN = "Europe/Berlin"
ZONE = ZoneInfo(BERLIN)
NOW = datetime(2030, 1, 2, 12, tzinfo=UTC)
LINK = "https://goalkeeper.example"
ADA = MemberView("m-ada", "t1", "Ada", "member", BERLIN,
                 working_hours={"start": "09:00", "end": "17:00"})
BOB = MemberView("m-bob", "t1", "Bob", "member", "Europe/London",
                 working_hours={"start": "10:00", "end": "18:00"})


def scheduler_dues(timetable: Timetable, since: datetime, until: datetime) -> list[datetime]:
    moments, moment = [], since
    while (moment := timetable.next_due(moment)) < until:
        moments.append(moment)
    return moments


def feed_of(*series: CheckinSeries, sessions=(), dues=()) -> Calendar:
    return Calendar.from_ical(build_feed(ADA, series=list(series), sessions=list(sessions),
                                         dues=list(dues), now=NOW, link=LINK))


def starts(calendar: Calendar, uid: str, since: datetime, until: datetime) -> list[datetime]:
    events = recurring_ical_events.of(calendar).between(since, until)
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in events if str(e["UID"]) == uid)


@pytest.mark.parametrize("cadence", [
    Cadence("weekly", weekday=0, time="09:00"),
    Cadence("daily", time="07:30"),
    Cadence("biweekly", weekday=2, time="18:00"),
    Cadence("monthly", day_of_month=31, time="09:00"),
    Cadence("monthly", day_of_month=15, time="02:30"),
])
def test_checkin_series_expands_to_the_schedulers_due_times_across_both_dst_changes(cadence):
    timetable = Timetable(resolve(cadence), BERLIN, date(2030, 1, 9))
    since = datetime(2030, 1, 9, tzinfo=UTC)
    until = datetime(2030, 12, 31, tzinfo=UTC)  # 31 March and 27 October 2030 are DST days

    calendar = feed_of(CheckinSeries("g1", "Run 100 km", timetable, since))

    expected = scheduler_dues(timetable, since, until)
    assert starts(calendar, "checkin-g1@goalkeeper", since, until) == expected
    march = [d for d in expected if d.month in (3, 4)]
    assert {d.astimezone(ZONE).strftime("%H:%M") for d in march} == {
        cadence.time}  # local wall-clock time on both sides of the change


@pytest.mark.parametrize("cadence", [
    Cadence("daily", time="02:30"),
    Cadence("weekly", weekday=6, time="02:30"),
])
def test_a_series_starting_on_a_time_spring_forward_skips_repeats_at_its_own_time(cadence):
    """A goal starting on 31 March 2030, when Berlin's 02:00 becomes 03:00: its first 02:30 is
    due at 03:30, and the series showed 03:30 from then on, an hour after the scheduler's."""
    timetable = Timetable(resolve(cadence), BERLIN, date(2030, 3, 31))
    since = datetime(2030, 3, 30, 22, 59, 59, tzinfo=UTC)  # just before the start date begins
    until = datetime(2030, 4, 30, tzinfo=UTC)

    calendar = feed_of(CheckinSeries("g1", "Run 100 km", timetable, since))

    expected = scheduler_dues(timetable, since, until)
    assert expected[0] == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert starts(calendar, "checkin-g1@goalkeeper", since, until) == expected


def test_checkin_event_is_one_recurring_event_with_tzid_and_the_cadence_rule():
    timetable = Timetable(resolve(Cadence("weekly", weekday=0, time="09:00")), BERLIN,
                          date(2030, 1, 1))
    calendar = feed_of(CheckinSeries("g1", "Run 100 km", timetable,
                                     datetime(2030, 3, 20, tzinfo=UTC)))

    [event] = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Check in: Run 100 km"
    assert event["DTSTART"].params["TZID"] == BERLIN
    assert event["DTSTART"].dt == datetime(2030, 3, 25, 9, tzinfo=ZONE)
    assert event["RRULE"] == {"FREQ": ["WEEKLY"], "BYDAY": ["MO"]}
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == [BERLIN]
    assert str(event["URL"]) == f"{LINK}/goals/g1"


def test_goal_due_dates_are_all_day_events():
    calendar = feed_of(dues=[GoalDue("g1", "Run 100 km", date(2030, 6, 30))])

    [event] = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Due: Run 100 km"
    assert event["DTSTART"].dt == date(2030, 6, 30)
    assert event["DTEND"].dt == date(2030, 7, 1)
    assert "RRULE" not in event


def worker(zone: str, start: str, end: str) -> MemberView:
    return MemberView(f"m-{zone}", "t1", zone, "member", zone,
                      working_hours={"start": start, "end": end})


@pytest.mark.parametrize(("member", "partner", "expected"), [
    # New York 09:00-17:00 is 14:00-22:00 UTC; Los Angeles 09:00-17:00 is 17:00-01:00 UTC,
    # across midnight: they share 17:00-22:00 UTC, 12:00 in New York (09:00 before)
    (worker("America/New_York", "09:00", "17:00"),
     worker("America/Los_Angeles", "09:00", "17:00"), (12, 0)),
    # Sydney 09:00-17:00 is 22:00-06:00 UTC, Tokyo 08:00-17:00 is 23:00-08:00 UTC: the span
    # they share crosses midnight and starts at 23:00 UTC, 10:00 in Sydney (not at 00:00)
    (worker("Australia/Sydney", "09:00", "17:00"), worker("Asia/Tokyo", "08:00", "17:00"),
     (10, 0)),
])
def test_a_session_starts_inside_everyones_hours_when_they_wrap_midnight(member, partner,
                                                                         expected):
    first = pairing_start(datetime(2026, 3, 4, 12, tzinfo=UTC), member, [partner])
    for someone in (member, partner):
        local = first.astimezone(ZoneInfo(someone.timezone)).strftime("%H:%M")
        start, end = someone.hours()
        assert start <= local < end, (someone.timezone, local)
    assert (first.hour, first.minute) == expected


def test_pairing_sessions_recur_weekly_at_the_start_of_shared_working_hours():
    started = datetime(2030, 3, 26, 15, tzinfo=UTC)  # a Tuesday, after Berlin's spring change
    first = pairing_start(started, ADA, [BOB])
    calendar = feed_of(sessions=[PairingSession("p1", ["Bob"], first)])

    # Ada works 09:00-17:00 Berlin (07:00-15:00 UTC), Bob 10:00-18:00 London (09:00-17:00 UTC)
    assert first == datetime(2030, 3, 26, 11, tzinfo=ZONE)
    expanded = starts(calendar, "pairing-p1@goalkeeper", started - timedelta(days=1),
                      started + timedelta(days=22))
    assert [d.date() for d in expanded] == [date(2030, 3, 26), date(2030, 4, 2),
                                            date(2030, 4, 9), date(2030, 4, 16)]
    [event] = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Pairing with Bob"
    assert event["DURATION"].dt == timedelta(minutes=30)


def test_feed_names_itself_and_asks_to_be_refreshed_hourly():
    calendar = feed_of()

    assert calendar["X-WR-CALNAME"] == "Goalkeeper: Ada"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    assert calendar["VERSION"] == "2.0"


SECRET = "a secret key of the checkins service"


def test_a_renewed_or_revoked_feed_forgets_the_old_token():
    feed = CalendarFeed("m-ada", "t1", at=NOW)
    first = feed.issue(NOW, SECRET)
    second = feed.issue(NOW + timedelta(seconds=1), SECRET)

    assert len(first) >= 40 and first != second
    assert feed.token(SECRET) == second != feed.token("another secret key")
    assert feed.token_hash == token_hash(second) != token_hash(first)
    feed.revoke(NOW)
    assert not feed.is_active and feed.token_hash is None


def test_outlooks_refresh_hint_is_a_duration_it_can_read():
    """X-PUBLISHED-TTL (Outlook's refresh hint, a DURATION by MS-OXCICAL) was written as
    Python's '1:00:00', which is no iCalendar duration, so the hint could not be read. It is
    PT1H."""
    raw = build_feed(ADA, series=[], sessions=[], dues=[], now=NOW, link=LINK)

    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in raw, raw
