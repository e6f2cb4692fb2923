"""A member's private calendar feed through the API: issue, subscribe, renew, revoke (404)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
import recurring_ical_events
from icalendar import Calendar

from services.checkins.domain.replicas import GoalView
from tests.support.races import run_together


def call(checkins, method: str, path: str, headers: dict | None = None):
    return checkins.client.open(path, method=method, headers=headers or {})


def feed_path(url: str) -> str:
    return urlsplit(url).path


def test_a_member_subscribes_to_their_feed_and_sees_check_ins_partners_and_due_dates(
        checkins, world):
    ada = world.member("Ada", tz="Europe/Berlin",
                       working_hours={"start": "09:00", "end": "17:00"})
    bob = world.member("Bob", tz="Europe/Berlin")
    goal = world.goal(ada, "Run 100 km", due_date="2026-06-30",
                      cadence={"frequency": "weekly", "weekday": 0, "time": "09:00"})
    world.goal(bob, "Bob's own goal")
    base = f"/v1/teams/{world.team_id}/partnerships"
    partnership = checkins.client.post(base, headers=world.as_(ada), json={"member_id": bob})
    checkins.client.post(f"{base}/{partnership.json['id']}/accept", headers=world.as_(bob))

    issued = call(checkins, "POST", f"/v1/teams/{world.team_id}/members/{ada}/calendar-feed",
                  world.as_(ada))
    assert issued.status_code == 201 and issued.json["active"] is True
    feed = call(checkins, "GET", feed_path(issued.json["url"]))  # no Authorization header

    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = Calendar.from_ical(feed.data)
    summaries = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert summaries == ["Check in: Run 100 km", "Due: Run 100 km", "Pairing with Bob"]
    since, until = datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 10, tzinfo=UTC)
    checkins_due = [e["DTSTART"].dt.astimezone(UTC)
                    for e in recurring_ical_events.of(calendar).between(since, until)
                    if str(e["SUMMARY"]).startswith("Check in")]
    with checkins.container.uow() as uow:
        view: GoalView = uow.goals.get(world.team_id, goal)
        timetable = view.timetable(uow.members.get(ada), uow.teams.get(world.team_id))
    expected, moment = [], since
    while (moment := timetable.next_due(moment)) < until:
        expected.append(moment)
    assert sorted(checkins_due) == expected  # 23 Mar 08:00 UTC (CET), 30 Mar 07:00 (CEST), ...
    [due] = [e for e in calendar.walk("VEVENT") if str(e["SUMMARY"]).startswith("Due")]
    assert due["DTSTART"].dt == date(2026, 6, 30)


def test_renewing_or_revoking_the_feed_makes_the_old_url_answer_404(checkins, world, clock):
    ada, lead = world.member("Ada"), world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/members/{ada}/calendar-feed"
    first = call(checkins, "POST", path, world.as_(ada)).json["url"]
    clock.advance(seconds=1)  # asked once the first URL was given (one asked at once: below)
    second = call(checkins, "POST", path, world.as_(ada)).json["url"]

    assert first != second
    assert call(checkins, "GET", feed_path(first)).status_code == 404
    assert call(checkins, "GET", feed_path(second)).status_code == 200
    status = call(checkins, "GET", path, world.as_(ada)).json
    assert status["active"] is True and status["url"] is None  # shown only when issued

    revoked = call(checkins, "DELETE", path, world.as_(lead))  # a lead revokes a leaked URL
    assert revoked.status_code == 200 and revoked.json["active"] is False
    assert call(checkins, "GET", feed_path(second)).status_code == 404
    assert call(checkins, "GET", "/calendar/not-a-token.ics").status_code == 404


@pytest.mark.parametrize("before", ["no feed", "a feed"])
def test_a_feed_url_asked_for_twice_at_once_is_one_url_that_works(checkins, world, clock,
                                                                   before):
    """A double click on "get my calendar URL" answered two different URLs, only the last
    one written working (with no feed yet, the second insert was a 500 on PostgreSQL). A
    request sent before the current URL was issued gets that URL: both answers are the same
    URL, and it works. Asked again later, the URL is renewed as before."""
    ada = world.member("Ada")
    path = f"/v1/teams/{world.team_id}/members/{ada}/calendar-feed"
    if before == "a feed":
        old = call(checkins, "POST", path, world.as_(ada)).json["url"]
        clock.advance(minutes=5)

    def ask():
        return checkins.app.test_client().post(path, headers=world.as_(ada))

    race = run_together(checkins.container.engine, lambda sql: "FROM calendar_feeds" in sql,
                        ask, ask)
    clock.advance(seconds=1)
    renewed = call(checkins, "POST", path, world.as_(ada)).json["url"]

    first, second = race.results
    assert (first.status_code, second.status_code) == (201, 201), (first.json, second.json)
    assert first.json["url"] == second.json["url"]
    assert call(checkins, "GET", feed_path(first.json["url"])).status_code == 404  # renewed
    assert renewed != first.json["url"]
    assert call(checkins, "GET", feed_path(renewed)).status_code == 200
    if before == "a feed":
        assert call(checkins, "GET", feed_path(old)).status_code == 404


def test_only_the_member_gets_a_feed_url_and_strangers_cannot_revoke_it(checkins, world):
    ada, bob = world.member("Ada"), world.member("Bob")
    lead = world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/members/{ada}/calendar-feed"

    assert call(checkins, "POST", path, world.as_(bob)).status_code == 403
    assert call(checkins, "POST", path, world.as_(lead)).status_code == 403
    assert call(checkins, "POST", path).status_code == 401
    call(checkins, "POST", path, world.as_(ada))
    assert call(checkins, "DELETE", path, world.as_(bob)).status_code == 403
    assert call(checkins, "GET", path, world.as_(ada)).json["active"] is True


def test_a_feed_with_nothing_to_show_is_still_a_valid_calendar(checkins, world):
    """Ada's only goal is closed and she has no partner: her feed was a VCALENDAR without a
    single component, which RFC 5545 does not allow (1*component). It now holds the VTIMEZONE
    its X-WR-TIMEZONE names, and no event."""
    ada = world.member("Ada", tz="America/New_York")
    goal = world.goal(ada, "Run 100 km", due_date="2026-06-30")
    world.update_goal(goal, event="goal.closed", status="closed", outcome="dropped")
    issued = call(checkins, "POST", f"/v1/teams/{world.team_id}/members/{ada}/calendar-feed",
                  world.as_(ada))

    feed = call(checkins, "GET", feed_path(issued.json["url"]))

    assert feed.status_code == 200
    calendar = Calendar.from_ical(feed.data)
    assert calendar.walk("VEVENT") == []
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]


def test_a_feed_of_a_member_whose_name_has_a_line_break_is_a_calendar_named_so(checkins, world):
    """The goals API takes a name with a line break ("Ada\\nLovelace", pasted): the feed put it
    in X-WR-CALNAME unescaped, icalendar refused the line, and the URL answered 500 on every
    refresh."""
    ada = world.member("Ada\nLovelace")
    world.goal(ada, "Run 100 km")
    issued = call(checkins, "POST", f"/v1/teams/{world.team_id}/members/{ada}/calendar-feed",
                  world.as_(ada))

    feed = call(checkins, "GET", feed_path(issued.json["url"]))

    assert feed.status_code == 200, feed.json
    assert "X-WR-CALNAME:Goalkeeper: Ada\\nLovelace\r\n" in feed.text  # escaped, as TEXT is
