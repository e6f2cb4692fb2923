"""The pace road dates check-ins on the member's day, as the check-in list below it does."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.web.domain.pace_chart import catching_up, pace_chart
from tests.support.waiting import eventually
from tests.web.over_http import (
    api_calls,
    api_goal,
    checked_in_since,
    goal_now_at,
    metric_goal,
    signed_in,
    web_before_own,
)

DAY = "%a %d %b %Y"  # as the check-in list and the goal's due date are written
GOAL = {"start_date": "2026-12-01", "due_date": "2026-12-31", "expected": None,
        "metric": {"unit": "EUR", "start": 0, "target": 100, "current": 4}}


def test_a_check_in_late_in_the_utc_day_is_on_the_next_day_in_auckland():
    checkin = {"created_at": "2026-12-05T20:00:00Z", "value": 4}

    chart = pace_chart(GOAL, [checkin], date(2026, 12, 6), ZoneInfo("Pacific/Auckland"))

    assert [(p.day, p.label) for p in chart.points] == [(date(2026, 12, 6), "4 EUR")]
    assert chart.points[0].x == chart.today.x  # the same day as "today" there


def test_the_goal_page_refreshes_quickly_only_until_goals_has_applied_a_check_in():
    logged = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    newest = "2026-12-06T09:00:00+00:00"  # when the newest check-in was logged
    before = {"updated_at": "2026-12-06T08:00:00+00:00"}
    applied = {"updated_at": "2026-12-06T09:00:00+00:00"}

    assert catching_up(before, newest, logged + timedelta(seconds=1))
    assert not catching_up(applied, newest, logged + timedelta(seconds=1))
    assert not catching_up(before, newest, logged + timedelta(seconds=15))
    assert not catching_up(before, None, logged)


def test_the_chart_dates_a_check_in_on_the_members_day(stack):
    """The check-in list showed a check-in's time in the member's zone; the pace road's point
    (position and label) used its UTC date, a day off for a member far from UTC."""
    now = datetime.now(UTC)
    zone = "Pacific/Kiritimati" if now.hour >= 10 else "Pacific/Pago_Pago"  # +14 / -11
    team = stack.new_team(timezone=zone)
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    at = datetime.fromisoformat(checkin["created_at"].replace("Z", "+00:00"))
    local_day, utc_day = at.astimezone(ZoneInfo(zone)).date(), at.astimezone(UTC).date()
    assert local_day != utc_day  # the case this test is about
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + f"/goals/{goal['id']}").text

    assert at.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y") in page  # the list: local
    assert f"<title>{local_day.strftime(DAY)}: 4 EUR</title>" in page, \
        re.findall(r"<title>[^<]*: 4 EUR</title>", page)


def goal_page_with_one_check_in(stack) -> tuple[dict, str]:
    """A new metric goal with one check-in (4), and its page as its owner sees it."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead, json={"value": 4})
    session, _ = signed_in(stack, team.lead)
    return goal, session.get(stack.web_url + f"/goals/{goal['id']}").text


def test_the_charts_axis_and_points_write_days_as_the_rest_of_the_page_does(stack):
    """The axis said "2026-12-03" under a page that writes "Thu 03 Dec 2026" everywhere else."""
    goal, page = goal_page_with_one_check_in(stack)

    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    start, due = (date.fromisoformat(goal[d]).strftime(DAY) for d in ("start_date", "due_date"))
    assert f">{start}</text>" in chart and f">{due}</text>" in chart
    assert f"the pace needed from {start} to {due}." in chart
    assert not re.search(r"\d{4}-\d\d-\d\d", chart), re.findall(r"\d{4}-\d\d-\d\d", chart)


def test_the_charts_description_counts_one_check_in_as_one(stack):
    """A screen reader heard "1 check-ins shown as points"."""
    goal, page = goal_page_with_one_check_in(stack)

    assert "1 check-in shown as a point." in page


def goal_with_more_check_ins_than_a_page(stack) -> tuple[dict, str]:
    """A metric goal (to 1000 EUR) with 201 check-ins, 1 to 201: one more than a page; the
    goal and its owner's token."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead, target=1000)
    for value in range(1, 202):
        logged = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                     json={"value": value})
        assert logged.status_code == 201, logged.get_json()
    goal_now_at(stack, goal, team.lead, 201)
    return goal, team.lead


def test_the_chart_of_a_goal_with_more_check_ins_than_a_page_shows_its_whole_road(stack):
    """The chart plotted the newest page of check-ins (200), so a goal checked in more often
    lost the start of its road, and a delta was added up from the wrong value."""
    goal, owner = goal_with_more_check_ins_than_a_page(stack)
    session, _ = signed_in(stack, owner)

    page = session.get(stack.web_url + f"/goals/{goal['id']}").text

    chart = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    assert "201 check-ins shown as points" in chart
    assert re.search(r"<title>[^<]*: 1 EUR</title>", chart)
    assert re.search(r"<title>[^<]*: 201 EUR</title>", chart)


REFRESH = re.compile(r'<div id="progress" hx-get="([^"]+)"')


def test_the_goal_pages_refresh_reads_one_page_of_check_ins_until_one_is_logged(stack):
    """Every 5 s the open goal page's refresh read every check-in again, a checkins call per
    200 of them. Now a refresh that finds nothing new since the page was drawn reads the goal
    and its newest check-in, and answers 204 (htmx keeps what the page shows); a check-in
    logged since redraws the whole road."""
    goal, owner = goal_with_more_check_ins_than_a_page(stack)
    session, _ = signed_in(stack, owner)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    refresh = stack.web_url + html.unescape(REFRESH.search(page).group(1))

    with api_calls(stack) as calls:
        unchanged = session.get(refresh, headers={"HX-Request": "true"})

    assert unchanged.status_code == 204 and unchanged.text == "", unchanged.status_code
    assert [c for c in calls if c[0] == "checkins"] == [
        ("checkins", "GET", f"/v1/goals/{goal['id']}/checkins", {"limit": 1})], calls

    checked_in_since(stack, owner, goal, 202)
    redrawn = session.get(refresh, headers={"HX-Request": "true"})

    assert redrawn.status_code == 200, redrawn.status_code
    assert "202 check-ins shown as points" in redrawn.text
    assert re.search(r"<title>[^<]*: 202 EUR</title>", redrawn.text)
    again = stack.web_url + html.unescape(REFRESH.search(redrawn.text).group(1))
    assert session.get(again, headers={"HX-Request": "true"}).status_code == 204



def test_the_goal_pages_refresh_redraws_a_corrected_older_check_in(stack):
    """A correction of a check-in older than the newest moves its point on the chart, but
    neither the goal (a later check-in set its figure; achieved, its pace is settled) nor the
    newest check-in, all that the refresh compared: it answered 204, and the page kept the old
    point until something else changed. Now the goal's check-ins say when they last changed,
    and the refresh redraws."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    older = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                json={"value": 4}).get_json()
    checked_in_since(stack, team.lead, goal, 100)
    eventually(lambda: api_goal(stack, team.lead, goal["id"])["status"] == "achieved")
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    assert re.search(r"<title>[^<]*: 4 EUR</title>", page)
    refresh = stack.web_url + html.unescape(REFRESH.search(page).group(1))

    corrected = stack.checkins.call("PATCH", f"/v1/checkins/{older['id']}", team.lead,
                                    json={"value": 6})
    assert corrected.status_code == 200, corrected.get_json()
    redrawn = session.get(refresh, headers={"HX-Request": "true"})

    assert redrawn.status_code == 200, redrawn.status_code
    chart = re.search(r"<svg.*?</svg>", redrawn.text, re.S).group(0)
    assert re.search(r"<title>[^<]*: 6 EUR</title>", chart), re.findall(r"<title>.*?</title>",
                                                                         chart)
    assert not re.search(r"<title>[^<]*: 4 EUR</title>", chart)
    again = stack.web_url + html.unescape(REFRESH.search(redrawn.text).group(1))
    assert session.get(again, headers={"HX-Request": "true"}).status_code == 204


def test_the_goal_pages_refresh_keeps_the_page_while_goals_does_not_answer(stack, tmp_path):
    """The open goal page asks goals for the goal every 5 s. Goals not answering once, the
    refresh answered the 503 page, which htmx put in place of the whole page: the goal, its
    chart and its forms gave way to "The goals service is unavailable" until a reload. Now it
    answers nothing (204): the page keeps what it shows (goals, which moves the goal, is what
    does not answer) and asks again."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    with web_before_own(stack, tmp_path, "goals") as (web_url, stop_goals):
        session, _ = signed_in(stack, team.lead, web_url)
        page = session.get(web_url + f"/goals/{goal['id']}").text
        stop_goals()

        refresh = session.get(web_url + html.unescape(REFRESH.search(page).group(1)),
                              headers={"HX-Request": "true"})

    assert refresh.status_code == 204 and refresh.text == "", (refresh.status_code,
                                                                refresh.text)


def test_a_check_in_list_drawn_while_checkins_was_down_is_redrawn_once_it_answers(
        stack, tmp_path):
    """The page's refresh redrew the chart once checkins answered again, but a goal with no
    check-ins kept "the checkins service is unavailable" in its list: nothing told the refresh
    that the list was drawn without them."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    with web_before_own(stack, tmp_path, "checkins") as (web_url, stop_checkins):
        stop_checkins()
        down, _ = signed_in(stack, team.lead, web_url)
        page = down.get(web_url + f"/goals/{goal['id']}").text
    assert "the checkins service is unavailable" in page
    session, _ = signed_in(stack, team.lead)

    redrawn = session.get(stack.web_url + html.unescape(REFRESH.search(page).group(1)),
                          headers={"HX-Request": "true"})

    assert redrawn.status_code == 200, redrawn.status_code
    listed = redrawn.text[redrawn.text.index('<div id="checkins" hx-swap-oob="innerHTML">'):]
    assert "No check-ins yet." in listed and "unavailable" not in listed, redrawn.text



def test_an_achieved_goal_is_not_said_to_be_expected_at_100_percent_today(stack):
    """An achieved goal's page read "★ Achieved · 0% done. Expected by today: 100%." with a
    square at 100% on today's line: goals gives an achieved goal an `expected` of 1.0 (done),
    which the page wrote as where the goal should stand today, weeks before its due date. An
    achieved goal's page now says nothing of the pace it no longer keeps; an active goal's
    still does."""
    team = stack.new_team()
    active = metric_goal(stack, team.lead)
    achieved = metric_goal(stack, team.lead)
    moved = stack.goals.call("POST", f"/v1/goals/{achieved['id']}/achieve", team.lead)
    assert moved.status_code == 200, moved.get_json()
    session, _ = signed_in(stack, team.lead)

    active_page = session.get(stack.web_url + f"/goals/{active['id']}").text
    achieved_page = session.get(stack.web_url + f"/goals/{achieved['id']}").text

    assert re.search(r"Expected by today: [1-9]\d%\.", active_page)
    assert '<rect class="expected"' in active_page
    assert "Expected by today" not in achieved_page
    assert '<rect class="expected"' not in achieved_page
    assert "expected today" not in achieved_page
