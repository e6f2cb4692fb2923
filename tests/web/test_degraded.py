"""A service that is down costs only its part of the page; pages call each API once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from services.web.bootstrap import bootstrap
from services.web.config import WebSettings
from services.web.entrypoints.app import create_app
from tests.support.waiting import eventually
from tests.web.browser import HttpServer, Page
from tests.web.over_http import (
    api_calls,
    page_client,
    pair,
    scheduled_goal,
    signed_in,
    web_before_server,
)

CLOSED_PORT = "http://127.0.0.1:9"  # discard: nothing listens there


@pytest.fixture
def web_without_checkins(stack, driver, tmp_path):
    settings = WebSettings(goals_url=stack.servers[0].url, checkins_url=CLOSED_PORT,
                           notifications_url=CLOSED_PORT, session_secret="degraded-secret",
                           database_url=f"sqlite:///{tmp_path}/web.db")
    server = HttpServer(create_app(bootstrap(settings)))
    driver.delete_all_cookies()
    yield Page(driver, server.url)
    server.stop()


def test_a_goal_page_without_the_checkins_service_shows_a_banner_and_the_goal(
        stack, web_without_checkins):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Keep going when checkins is down")
    page = web_without_checkins.sign_in(team.lead)

    page.open(f"/goals/{goal['id']}")

    assert "Keep going when checkins is down" in page.text("h1")
    assert "the checkins service is unavailable" in page.text("#checkins")
    page.fill("f-note", "Tried anyway")
    key = page.driver.find_element("name", "idempotency_key").get_attribute("value")
    page.driver.find_element("css selector", "#checkin-form button[type=submit]").click()
    page.wait_for_text("so nothing was saved: your check-in was not saved", "#checkin-form")
    # sent again, the same key: logged once, whatever the first one did
    assert page.driver.find_element("name", "idempotency_key").get_attribute("value") == key


def test_a_board_refresh_while_goals_is_down_keeps_the_board_and_says_so(stack, driver,
                                                                          tmp_path):
    """Goals not answering one of the board's refreshes, the board gave way to "The team's
    goals cannot be shown right now" until goals answered again: the member lost the board
    they were reading. It stays as drawn now, and its status line (a live region of its own)
    says once that it could not be refreshed and will be tried again; the first refresh that
    reaches goals again draws it, with a goal made meanwhile."""
    team = stack.new_team()
    stack.create_goal(team.lead, title="Ship the export")
    with web_before_server(stack, tmp_path, poll_seconds=1) as (web_url, goals):
        page = Page(driver, web_url).sign_in(team.lead).open("/board")
        page.wait_for_text("Ship the export", "#board")
        goals.stop()

        said_once(page, "⚠ The board could not be refreshed: the goals service is unavailable. "
                  "It will be tried again in a few seconds.")
        assert driver.find_element(By.ID, "board-status").get_attribute("role") == "status"
        assert "Ship the export" in page.text("#board")
        assert "cannot be shown" not in page.text("#board")

        stack.create_goal(team.lead, title="Write the release notes")
        goals.start()
        page.wait_for_text("Write the release notes", "#board")
        assert page.text("#board-status") == ""
        assert "Ship the export" in page.text("#board")


def test_a_board_refresh_while_checkins_is_down_keeps_the_next_check_ins_and_says_so(
        stack, driver, tmp_path):
    """Checkins not answering one of the board's refreshes, the board was drawn again without
    its next check-ins, as if no goal had one. It stays as drawn now, as while goals is down,
    and its status line says once that the check-ins could not be refreshed; the first
    refresh that reaches checkins again draws it, its status line empty."""
    team = stack.new_team()
    goal = scheduled_goal(stack, team.lead, "Write 30 pages")
    with web_before_server(stack, tmp_path, "checkins", poll_seconds=1) as (web_url, checkins):
        page = Page(driver, web_url).sign_in(team.lead).open("/board")
        page.wait_for_text("Next check-in", f"#goal-{goal['id']}")
        checkins.stop()

        said_once(page, "⚠ The board could not be refreshed: the checkins service is "
                  "unavailable, so the goals' next check-ins cannot be read. It will be tried "
                  "again in a few seconds.")
        assert "Next check-in" in page.text(f"#goal-{goal['id']}")

        checkins.start()
        page.wait_for(lambda d: page.text("#board-status") == "")
        assert "Next check-in" in page.text(f"#goal-{goal['id']}")


def said_once(page: Page, status: str) -> None:
    """The board's status line comes to say `status` (a refresh that did not reach a service),
    and says it once: two more refreshes that do not reach it leave the line as it was (its
    live region is not read out again)."""
    page.wait_for_text("could not be refreshed", "#board-status")
    said = page.driver.find_element(By.CSS_SELECTOR, "#board-status > *")
    time.sleep(2.5)  # two more refreshes that do not reach the service
    assert page.text("#board-status") == status
    try:
        said.text  # noqa: B018 (said once: the refreshes since did not say it again)
    except StaleElementReferenceException:
        pytest.fail("the status line was said again at a later refresh")


def test_the_board_calls_each_api_once_per_render(stack, page):
    team = stack.new_team()
    _, max_token = stack.add_member(team, "Max")
    stack.create_goal(max_token, title="Counted goal")
    calls: Counter = Counter()
    client = page_client(stack)
    original = client.request

    def counting(service, method, path, token, **kwargs):
        calls[service] += 1
        return original(service, method, path, token, **kwargs)

    client.request = counting
    try:
        page.sign_in(team.lead)  # the first render also learns the team's names
        eventually(lambda: "Counted goal" in page.text("#board"))
        page.open("/me/feed")  # away from the polling board
        calls.clear()
        page.open("/board?show=team")
        # one call for the goals in the statuses the board shows, one for when each is due:
        # never one per goal or per status
        assert calls == Counter({"goals": 1, "checkins": 1})
        assert "Max" in page.text("#board")
    finally:
        client.request = original


def test_the_partners_page_calls_each_api_once_per_render(stack):
    """It read the team's members and the partners' goals: two goals calls on every render."""
    team = stack.new_team()
    ben_id, ben = stack.add_member(team, "Ben")
    stack.create_goal(ben, title="Ben's counted goal")
    pair(stack, team, team.lead, (ben, ben_id))
    session, _ = signed_in(stack, team.lead)
    session.get(stack.web_url + "/partners")  # the first render also learns the team's names

    with api_calls(stack) as calls:
        shown = session.get(stack.web_url + "/partners")

    assert Counter(service for service, *_ in calls) == Counter({"goals": 1, "checkins": 1}), calls
    assert f'<h2 id="p-{ben_id}">Ben</h2>' in shown.text and "Ben&#39;s counted goal" in shown.text
