"""My week: what is due, a one-click check-in for each, and the streak; the board says when
each goal is next due."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from functools import partial

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from services.web.adapters.api_client import PAGE
from shared.streak_text import streak_length
from tests.support.waiting import eventually
from tests.web.over_http import (
    DAILY,
    api_calls,
    closed_in_checkins,
    days,
    goal_now_at,
    hidden_fields,
    page_client,
    scheduled_goal,
    signed_in,
    web_before_own,
)


def test_my_week_lists_what_is_due_and_checks_in_with_one_click(stack, page):
    team = stack.new_team()
    _, max_token = stack.add_member(team, "Max")
    goal = scheduled_goal(stack, max_token, "Write 30 pages of the handbook")
    scheduled_goal(stack, team.lead, "The lead's own goal")
    page.sign_in(max_token).open("/week")

    card = page.text(f"#due-{goal['id']}")
    assert "Write 30 pages of the handbook" in card and "Due" in card
    assert "The lead's own goal" not in page.text("main")
    assert page.serious_accessibility_violations() == []

    page.fill(f"q-value-{goal['id']}", "6")
    page.driver.find_element(By.CSS_SELECTOR, f"#due-{goal['id']} button[type=submit]").click()

    page.wait_for_text("Checked in", f"#due-{goal['id']}")
    logged = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins", max_token)
    assert [c["value"] for c in logged.get_json()["items"]] == [6]


def test_a_quick_check_in_refreshes_its_card(stack, page):
    """The quick check-in swapped only its form for "Checked in.": the card above it still
    said the check-in was due (or overdue) and the streak was the old one, as if it had not
    counted."""
    team = stack.new_team()
    _, max_token = stack.add_member(team, "Max")
    goal = scheduled_goal(stack, max_token, "Read 30 pages")
    page.sign_in(max_token).open("/week")
    card = f"#due-{goal['id']}"
    assert "Streak: 0" in page.text(card)

    page.fill(f"q-value-{goal['id']}", "6")
    page.driver.find_element(By.CSS_SELECTOR, f"{card} button[type=submit]").click()

    page.wait_for_text("Streak: 1", card)
    assert "Checked in" in page.text(card)
    assert page.serious_accessibility_violations() == []



def test_a_keyboard_user_keeps_their_place_after_a_quick_check_in(stack, page):
    """Pressing a card's Check in swapped its form, and the focus fell back to the page: the
    next Tab started again from "Skip to content", not at the next card."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    page.sign_in(team.lead).open("/week")

    page.fill(f"q-value-{goal['id']}", "6")
    page.driver.find_element(By.ID, f"q-submit-{goal['id']}").send_keys(Keys.ENTER)

    page.wait_for_text("Checked in", f"#due-{goal['id']}")
    assert page.driver.execute_script("return document.activeElement.id") == \
        f"q-submit-{goal['id']}"


def test_my_week_lists_every_goal_due_past_a_page_of_the_due_list(stack, small_pages):
    """The check-ins due come a page at a time (50 by default): My week asked once, so a
    member's 51st goal due was missing from the cards and listed as one without a schedule.
    My week now walks the pages."""
    team = stack.new_team()
    goals = [stack.create_goal(team.lead, title=f"Goal {n:02d}", cadence=DAILY)["id"]
             for n in range(51)]
    for goal_id in goals:
        eventually(partial(stack.checkins_know, goal_id, team.lead))
    session, _ = signed_in(stack, team.lead)

    week = session.get(stack.web_url + "/week")

    assert week.status_code == 200
    assert sorted(re.findall(r'<article class="due-card" id="due-([^"]+)"', week.text)) == sorted(
        goals)


@pytest.mark.parametrize(("cap", "shown", "cut"), [(2, 2, True), (3, 3, False)])
def test_my_week_longer_than_the_goals_cap_says_it_shows_the_first_ones(
        stack, make_web, cap, shown, cut):
    """My week reads my goals up to the cap (WEB_GOALS_CAP) and listed only those, saying
    nothing of the others: their check-ins due were missing without a word. It now says so,
    as the board does, and only when some were left out."""
    team = stack.new_team()
    goals = [stack.create_goal(team.lead, title=f"Goal due in {n} days", due_date=days(n),
                               cadence=DAILY)["id"] for n in (30, 10, 20)]
    for goal_id in goals:
        eventually(partial(stack.checkins_know, goal_id, team.lead))
    web = make_web(goals_cap=cap)
    session, _ = signed_in(stack, team.lead, web.url)

    week = session.get(web.url + "/week").text

    cards = re.findall(r'<article class="due-card" id="due-([^"]+)"', week)
    assert sorted(cards) == sorted([goals[1], goals[2], goals[0]][:shown])
    assert ("Your goals: too many to show them all" in week) is cut


def test_the_boards_check_ins_due_are_read_up_to_the_cap_and_it_says_when_they_are_cut(
        stack, monkeypatch):
    """The board read every page of the team's check-ins due on each render (and each poll),
    however many, while its goals stop at the cap (WEB_GOALS_CAP). It now stops at the cap
    too and says so as for goals. "Mine" and My week ask for my goals' only (read whole: each
    of my goals' cards needs its own), and so show every card of my goals listed."""
    team = stack.new_team()
    goals = [scheduled_goal(stack, team.lead, f"Goal {n}")["id"] for n in range(3)]
    session, _ = signed_in(stack, team.lead)
    monkeypatch.setattr(page_client(stack), "goals_cap", 2)

    with api_calls(stack) as calls:
        board = html.unescape(session.get(stack.web_url + "/board").text)
        mine = html.unescape(session.get(stack.web_url + "/board?show=mine").text)
        week = html.unescape(session.get(stack.web_url + "/week").text)

    asked = [params for _, _, path, params in calls if path.endswith("/checkins-due")]
    assert [(p["limit"], p.get("owner_id")) for p in asked] == [
        (2, None), (PAGE, team.lead_id), (PAGE, team.lead_id)], asked
    assert "The goals' next check-ins: too many to show them all." in board
    assert "next check-ins: too many" not in mine
    listed = re.findall(r'<article class="goal-card" id="goal-([^"]+)"', mine)
    assert len(listed) == 2 and mine.count("<dt>Next check-in</dt>") == 2
    cards = re.findall(r'<article class="due-card" id="due-([^"]+)"', week)
    assert len(cards) == 2 and set(cards) <= set(goals)


def test_the_board_shows_when_each_goal_is_next_due(stack, page):
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Scheduled goal")
    page.sign_in(team.lead).open("/board")

    card = page.text(f"#goal-{goal['id']}")

    assert "Next check-in" in card


def quick_check_in(stack, token: str, goal: dict, value: str, meanwhile=lambda: None,
                   **headers):
    """My week's quick check-in form for `goal`, sent with `value` as a browser without
    JavaScript (or, with htmx's headers, as htmx) sends it, after `meanwhile` happened."""
    session, csrf = signed_in(stack, token)
    form = re.search(rf'<form class="quick-checkin" [^>]*/goals/{goal["id"]}/checkins".*?</form>',
                     session.get(stack.web_url + "/week").text, re.S).group(0)
    meanwhile()
    return session.post(stack.web_url + f"/goals/{goal['id']}/checkins", headers=headers,
                        data={**hidden_fields(form), "value": value, "csrf_token": csrf})


def test_my_weeks_quick_check_in_on_a_goal_without_a_metric_takes_a_note(stack):
    """My week offered "New value" for a milestones-only goal, a figure it has nowhere to put
    (checkins now refuses it). Its card offers a note instead, and logs it."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Write the handbook", cadence=DAILY,
                             milestones=[{"title": "Outline"}])
    eventually(lambda: stack.checkins_know(goal["id"], team.lead))
    session, csrf = signed_in(stack, team.lead)
    form = re.search(rf'<form class="quick-checkin" [^>]*/goals/{goal["id"]}/checkins".*?</form>',
                     session.get(stack.web_url + "/week").text, re.S).group(0)

    saved = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                         headers={"HX-Request": "true"},
                         data={**hidden_fields(form), "csrf_token": csrf, "note": "Outlined"})

    assert 'name="value"' not in form and "Note (this goal has no metric)" in form
    assert saved.status_code == 200 and "Checked in." in saved.text, saved.text
    assert 'name="value"' not in saved.text and 'name="note"' in saved.text
    logged = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins",
                                 team.lead).get_json()["items"]
    assert [(c["note"], c["value"]) for c in logged] == [("Outlined", None)]


def test_a_refused_quick_check_in_without_javascript_is_shown_on_my_week(stack):
    """It answered with the goal's page, its big check-in form empty: the member lost the
    value typed and the week they were working through."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")

    refused = quick_check_in(stack, team.lead, goal, "lots")

    assert refused.status_code == 422, refused.status_code
    assert "<h1>My week</h1>" in refused.text
    card = re.search(rf'<article class="due-card" id="due-{goal["id"]}".*?</article>',
                     refused.text, re.S).group(0)
    assert 'value="lots"' in card and f'id="q-e-{goal["id"]}"' in card


def test_a_refused_quick_check_in_keeps_its_unit_label_with_htmx(stack):
    """htmx swapped in a form whose field said "New value", not "New value (pages)"."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")

    refused = quick_check_in(stack, team.lead, goal, "lots", **{"HX-Request": "true"})

    assert refused.status_code == 422, refused.status_code
    assert re.search(r'New value \(pages\)\s*<input[^>]*value="lots"', refused.text)


def test_a_quick_check_in_on_a_goal_closed_meanwhile_says_why_on_my_week(stack):
    """The goal is no longer on My week (only active goals are), so the reason is said above
    the cards rather than lost with its card."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")

    refused = quick_check_in(stack, team.lead, goal, "7",
                             meanwhile=partial(closed_in_checkins, stack, team.lead, team.id, goal))

    assert refused.status_code == 409, refused.status_code
    assert "<h1>My week</h1>" in refused.text
    assert ("Your check-in was not saved: goal “Read 30 pages” is closed as dropped; only active "
            "goals take check-ins" in refused.text)


def alerts(page: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert">\s*(.*?)\s*</p>', page, re.S)


def test_a_check_in_refused_for_a_closed_goal_reads_the_same_on_my_week_and_its_page(stack):
    """My week wrote its own "Your check-in was not saved: …" beside the goal page's check-in
    form's (here as htmx swaps it in): one sentence now says it on both."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    session, csrf = signed_in(stack, team.lead)

    on_week = quick_check_in(stack, team.lead, goal, "7",
                             meanwhile=partial(closed_in_checkins, stack, team.lead, team.id, goal))
    on_page = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                           data={"csrf_token": csrf, "value": "7"},
                           headers={"HX-Request": "true"})

    said = ("Your check-in was not saved: goal “Read 30 pages” is closed as dropped; only "
            "active goals take check-ins.")
    assert (on_week.status_code, on_page.status_code) == (409, 409)
    assert "<h1>My week</h1>" in on_week.text
    assert alerts(on_week.text) == [said] and alerts(on_page.text) == [said]


def test_a_refused_value_for_a_goal_gone_from_my_week_is_said_above_the_cards(stack):
    """Its card is gone with the goal, so the field's reason is said after "not saved"."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")

    refused = quick_check_in(stack, team.lead, goal, "lots",
                             meanwhile=partial(closed_in_checkins, stack, team.lead, team.id, goal))

    assert refused.status_code == 422, refused.status_code
    assert alerts(refused.text) == ["Your check-in was not saved: Not a valid number."]


def test_my_week_says_a_streak_in_its_schedules_words(stack):
    """It said "Current streak: 0 periods in a row" and "Streak: 0 (best 0)": "periods" is the
    checkins API's word, and the cards' bare numbers said nothing of what was counted."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    session, _ = signed_in(stack, team.lead)

    before = session.get(stack.web_url + "/week").text
    logged = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                 json={"value": 6})
    assert logged.status_code == 201, logged.get_json()
    after = session.get(stack.web_url + "/week").text

    assert "No streak running yet: check in by each due time to start one." in before
    assert "Streak: 0 days in a row (best: 0 days)" in before
    assert ("Your best running streak: <strong>1 day in a row</strong>, on Read 30 pages."
            in after)
    assert "Streak: 1 day in a row (best: 1 day)" in after


def test_my_week_says_the_streak_of_a_goal_on_a_default_cadence_in_that_cadences_words(stack):
    """The words came from the goal's own cadence: a goal following its owner's or its team's
    default (its `cadence` null) said "0 check-ins in a row" whatever its schedule. They come
    from the frequency checkins applies."""
    team = stack.new_team()
    daily = stack.goals.call("PATCH", f"/v1/teams/{team.id}", team.lead,
                             json={"default_cadence": DAILY})
    assert daily.status_code == 200, daily.get_json()
    _, ana = stack.add_member(team, "Ana", default_cadence={"frequency": "monthly",
                                                           "day_of_month": 1, "time": "09:00"})
    mine = stack.create_goal(team.lead, title="Read 30 pages", cadence=None)
    anas = stack.create_goal(ana, title="Write the monthly report", cadence=None)
    for goal, token in ((mine, team.lead), (anas, ana)):
        eventually(lambda goal=goal, token=token: stack.checkins_know(goal["id"], token))

    lead_week = signed_in(stack, team.lead)[0].get(stack.web_url + "/week").text
    anas_week = signed_in(stack, ana)[0].get(stack.web_url + "/week").text

    assert "Streak: 0 days in a row (best: 0 days)" in lead_week
    assert "Streak: 0 months in a row (best: 0 months)" in anas_week


def test_a_streak_counts_the_periods_of_its_goals_schedule():
    assert streak_length(3, "weekly") == "3 weeks"
    assert streak_length(1, "monthly") == "1 month"
    assert streak_length(2, "biweekly") == "2 fortnights"
    assert streak_length(2, None) == "2 check-ins"


def test_my_week_names_as_best_the_streak_covering_the_most_time(stack):
    """My week ranked streaks by their count of periods: Ana, 5 days in a row on one goal
    and 3 weeks on another, read "Your best running streak: 5 days" where Slack's Home, from
    the same due list, said 3 weeks. Both rank by the time a streak covers."""
    team = stack.new_team()
    daily = scheduled_goal(stack, team.lead, "Read 30 pages")
    weekly = stack.create_goal(team.lead, title="Call a customer",
                               cadence={"frequency": "weekly", "weekday": 0, "time": "09:00"})
    eventually(lambda: stack.checkins_know(weekly["id"], team.lead))
    with stack.checkins.container.uow() as uow:  # the streaks as weeks of check-ins left them
        for goal, streak in ((daily, 5), (weekly, 3)):
            uow.schedules.get(goal["id"]).current_streak = streak
        uow.commit()
    session, _ = signed_in(stack, team.lead)

    week = session.get(stack.web_url + "/week").text

    assert "Streak: 5 days in a row" in week and "Streak: 3 weeks in a row" in week
    assert ("Your best running streak: <strong>3 weeks in a row</strong>, on Call a customer."
            in week)


def test_a_goal_without_a_metric_is_checked_in_on_my_week_without_a_figure(stack):
    """Its card asked for a "New value" that its goal has no metric to take: the figure was
    listed with the check-in and moved nothing."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Keep a reading log", cadence=DAILY)
    eventually(lambda: stack.checkins_know(goal["id"], team.lead))
    session, _ = signed_in(stack, team.lead)

    week = session.get(stack.web_url + "/week").text
    card = re.search(rf'<article class="due-card" id="due-{goal["id"]}".*?</article>',
                     week, re.S).group(0)
    saved = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                         headers={"HX-Request": "true"}, data=hidden_fields(card))

    assert 'name="value"' not in card and "New value" not in card
    assert saved.status_code == 200 and "Checked in." in saved.text
    assert 'name="value"' not in saved.text
    logged = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins", team.lead)
    assert [c["value"] for c in logged.get_json()["items"]] == [None]


def test_a_quick_check_in_shows_its_goals_new_progress_once_goals_has_it(stack, page):
    """The card refreshed once, as soon as checkins had the check-in and before goals had
    applied it: "Checked in." and the new streak under the old "0% done" progress bar, which
    stayed so until the page was reloaded. While goals catches up the bar asks again each
    second, as the goal page's does."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    page.sign_in(team.lead).open("/week")
    card = f"#due-{goal['id']}"

    page.fill(f"q-value-{goal['id']}", "15")
    page.driver.find_element(By.ID, f"q-submit-{goal['id']}").click()

    page.wait_for_text("Checked in", card)
    page.wait_for(lambda d: d.execute_script(  # read in one go: the refresh swaps the bar
        "const bar = document.querySelector(arguments[0] + ' progress');"
        "return bar && bar.getAttribute('value');", card) == "50", timeout=10)


BAR_REFRESH = re.compile(r'<div id="due-progress-([^"]+)" hx-get="([^"]+)"')


def test_a_cards_progress_bar_asks_goals_for_its_goal_alone_while_goals_catches_up(stack):
    """Each second while goals applied a check-in, each such card's bar asked for the whole of
    My week (its goals and everything due, drawn in full) to pick its bar out. Now it asks for
    its bar alone: one goals call, nothing (204) while goals has not applied the check-in, then
    the new bar, which asks no more."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    session, _ = signed_in(stack, team.lead)
    stack.goals.stop_worker()  # the check-in waits in the topic for goals
    try:
        logged = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                     json={"value": 15})
        assert logged.status_code == 201, logged.get_json()
        week = session.get(stack.web_url + "/week").text
        [(bar_of, path)] = BAR_REFRESH.findall(week)
        refresh = stack.web_url + html.unescape(path)

        assert bar_of == goal["id"] and path.startswith(f"/week/{goal['id']}/progress?"), path
        with api_calls(stack) as calls:
            unchanged = session.get(refresh, headers={"HX-Request": "true"})

        assert unchanged.status_code == 204 and unchanged.text == "", unchanged.status_code
        assert calls == [("goals", "GET", f"/v1/goals/{goal['id']}", {})], calls
    finally:
        stack.goals.start_worker()
    goal_now_at(stack, goal, team.lead, 15)
    with api_calls(stack) as calls:
        caught_up = session.get(refresh, headers={"HX-Request": "true"})

    assert caught_up.status_code == 200, caught_up.status_code
    assert '<progress value="50" max="100" aria-label="Progress of Read 30 pages: 50%">' \
        in caught_up.text, caught_up.text
    assert caught_up.text.lstrip().startswith(f'<div id="due-progress-{goal["id"]}">'), \
        caught_up.text  # asking no more
    assert calls == [("goals", "GET", f"/v1/goals/{goal['id']}", {})], calls


def test_a_cards_progress_bar_keeps_my_week_while_goals_does_not_answer(stack, tmp_path):
    """A card's bar asks goals each second while goals applies its check-in; goals not
    answering, the 503 page took the place of the whole of My week. It answers nothing (204)
    now: the card keeps its bar and asks again."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    with web_before_own(stack, tmp_path, "goals") as (web_url, stop_goals):
        session, _ = signed_in(stack, team.lead, web_url)
        stop_goals()
        since = datetime.now(UTC).isoformat()

        refresh = session.get(web_url + f"/week/{goal['id']}/progress",
                              params={"since": since, "drawn": "as-drawn"},
                              headers={"HX-Request": "true"})

    assert refresh.status_code == 204 and refresh.text == "", (refresh.status_code,
                                                                refresh.text)


def test_a_cards_progress_bar_link_with_a_check_in_time_that_is_none_is_refused(stack):
    """A time without its UTC offset is no moment either: it was a 500 (compared with the
    goal's own time, which has one)."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Read 30 pages")
    session, _ = signed_in(stack, team.lead)

    for since in ("yesterday", "2026-12-06T09:00:00"):
        refused = session.get(stack.web_url + f"/week/{goal['id']}/progress",
                              params={"since": since}, headers={"HX-Request": "true"})

        assert refused.status_code == 400, (since, refused.status_code)
        assert "That link&#39;s check-in time is not a date and time with its UTC offset." \
            in refused.text, refused.text
