"""Signing in with an API token and reading the team board, in a real browser."""

from __future__ import annotations

import re
from datetime import date, timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from infra.demo import Api, seed
from infra.run import first_lead_link
from tests.support.stack import ADMIN_TOKEN, auth
from tests.support.waiting import eventually


def metric(current: float, target: float = 100) -> dict:
    return {"unit": "points", "start": 0, "target": target, "current": current}


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def test_a_member_signs_in_with_a_token_and_sees_goals_grouped_by_health(stack, page):
    team = stack.new_team(lead_name="Lena")
    max_id, max_token = stack.add_member(team, "Max")
    stack.create_goal(team.lead, title="Launch the status page", start_date=days(-10),
                      due_date=days(300), metric=metric(2))
    stack.create_goal(max_token, title="Close 40 support tickets", start_date=days(-30),
                      due_date=days(10), metric=metric(5))
    stack.create_goal(max_token, title="Run five customer interviews", start_date=days(-40),
                      due_date=days(-1), metric=metric(1, 5))

    page.sign_in(max_token)

    assert page.driver.current_url.endswith("/board")
    on_track = page.text("#g-on_track").lower()
    assert "on track" in on_track
    card = page.text("#board")
    assert "Launch the status page" in card and "Close 40 support tickets" in card
    launch = page.driver.find_element(By.XPATH, "//article[.//a[text()='Launch the status page']]")
    assert "Lena" in launch.text
    assert re.search(r"At this pace\s+(\d+ days? to spare|no day to spare|\d+ days? short)",
                     launch.text), launch.text
    assert launch.find_element(By.TAG_NAME, "progress").get_attribute("value") == "2"
    tickets = page.driver.find_element(
        By.XPATH, "//article[.//a[text()='Close 40 support tickets']]")
    assert "Off track" in tickets.text and "Max" in tickets.text
    late = page.driver.find_element(
        By.XPATH, "//article[.//a[text()='Run five customer interviews']]")
    assert "Overdue" in late.text


def test_the_mine_filter_shows_only_my_goals(stack, page):
    team = stack.new_team()
    _, max_token = stack.add_member(team, "Max")
    stack.create_goal(team.lead, title="Lead's own goal")
    stack.create_goal(max_token, title="Max's own goal")

    page.sign_in(max_token).open("/board?show=mine")

    board = page.text("#board")
    assert "Max's own goal" in board and "Lead's own goal" not in board


def test_another_teams_goal_shows_the_same_404_page_as_a_missing_goal(stack, page):
    ours, theirs = stack.new_team(), stack.new_team()
    secret = stack.create_goal(theirs.lead, title="Their confidential plan")

    page.sign_in(ours.lead)
    page.open(f"/goals/{secret['id']}")
    foreign = page.text("main")
    page.open("/goals/00000000-0000-0000-0000-000000000000")
    missing = page.text("main")

    assert "Their confidential plan" not in foreign
    assert foreign == missing and "Not found" in foreign
    assert page.status_of(f"/goals/{secret['id']}") == 404


def test_a_form_without_its_csrf_token_is_refused_with_400(stack, page):
    team = stack.new_team()
    goal = stack.create_goal(team.lead)
    page.sign_in(team.lead)
    page.open("/board")

    status = page.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {method: 'POST', credentials: 'same-origin',"
        " headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'note=hi'})"
        ".then(r => done(r.status));", f"{stack.web_url}/goals/{goal['id']}/checkins")

    assert status == 400


def test_the_session_cookie_is_httponly_and_samesite_lax(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead)

    cookie = page.driver.get_cookie("goalkeeper_session")

    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert "goalkeeper_session" not in page.driver.execute_script("return document.cookie")


def test_signing_out_ends_the_session(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead)

    page.driver.find_element(By.XPATH, "//button[starts-with(text(), 'Sign out')]").click()
    page.open("/board")

    assert "/signin" in page.driver.current_url


def test_a_cookie_copied_before_signing_out_is_useless_afterwards(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead)
    copied = page.driver.get_cookie("goalkeeper_session")
    assert team.lead not in copied["value"]  # the token never leaves the server

    page.driver.find_element(By.XPATH, "//button[starts-with(text(), 'Sign out')]").click()
    page.wait_for(lambda d: "/signin" in d.current_url)
    page.driver.delete_all_cookies()
    page.driver.add_cookie({"name": copied["name"], "value": copied["value"], "path": "/"})
    page.open("/board")

    assert "/signin" in page.driver.current_url
    assert "Sign in" in page.text("h1")


def test_revoking_the_token_in_the_api_ends_the_web_session(stack, page):
    team = stack.new_team()
    max_id, max_token = stack.add_member(team, "Max")
    page.sign_in(max_token)
    assert "Team board" in page.text("h1")

    revoked = stack.goals.client.delete(f"/v1/teams/{team.id}/members/{max_id}/token",
                                        headers=auth(team.lead))
    assert revoked.status_code == 204
    page.open("/board")

    assert "/signin" in page.driver.current_url
    assert "Your session ended" in page.text("main")


def test_a_wrong_token_is_refused_next_to_the_field(stack, page):
    page.open("/signin")
    page.fill("f-token", "gk1.not.valid")
    page.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    assert "not accepted" in page.text("#e-token")


def test_a_keyboard_user_keeps_their_place_on_the_board_while_it_refreshes(stack, page):
    """The board refreshes itself every few seconds by swapping in its cards again: a keyboard
    user who had tabbed to a goal's title lost the focus to the page at the next refresh, and
    Enter then opened nothing. The focus stays on the same goal's title."""
    team = stack.new_team()
    stack.create_goal(team.lead, title="Ship the billing export")
    second = stack.create_goal(team.lead, title="Answer tickets within a day")
    page.sign_in(team.lead).open("/board")
    title = page.driver.find_element(By.LINK_TEXT, "Answer tickets within a day")
    page.driver.execute_script("arguments[0].focus(); document.querySelector('#board > *')"
                               ".setAttribute('data-before-refresh', '')", title)
    stack.create_goal(team.lead, title="Write the handbook")  # the board changes

    page.wait_for(lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-before-refresh]"))

    focused = page.driver.switch_to.active_element
    assert focused.text == "Answer tickets within a day", focused.get_attribute("outerHTML")
    focused.send_keys(Keys.ENTER)
    page.wait_for(lambda d: d.current_url.endswith(f"/goals/{second['id']}"))


def test_the_board_and_sign_in_pages_have_no_serious_accessibility_violations(stack, page):
    team = stack.new_team()
    stack.create_goal(team.lead, title="Accessible goal " + "verylongword" * 15)
    page.open("/signin")
    assert page.serious_accessibility_violations() == []
    page.sign_in(team.lead)
    assert page.serious_accessibility_violations() == []


def test_the_demo_team_fills_the_board_with_every_kind_of_goal(stack, page):
    urls = {"goals": stack.servers[0].url, "checkins": stack.servers[1].url}
    tokens = seed(Api(urls, ADMIN_TOKEN))

    page.sign_in(tokens["Ana"])
    page.wait_for(lambda d: len(page.all("#board .group")) >= 3, timeout=60)
    page.wait_for_text("Achieved", "#board", timeout=60)

    board = page.text("#board")
    assert "Close 120 support tickets this quarter" in board and "Ben" in board
    headings = [h.text for h in page.all("#board .group h2")]
    for health in ("On track", "At risk", "Off track", "Overdue", "Achieved"):
        assert any(health in heading for heading in headings), (health, headings)
    assert page.serious_accessibility_violations() == []
    page.screenshot("board")


def test_make_runs_first_start_link_signs_in_a_first_lead_once(stack, page, tmp_path):
    goals_port = stack.servers[0].url.rpartition(":")[2]
    web_port = stack.web_url.rpartition(":")[2]
    env = {"GOALKEEPER_RUN_DIR": str(tmp_path), "GOALS_PORT": goals_port,
           "WEB_PORT": web_port, "GOALKEEPER_ADMIN_TOKEN": ADMIN_TOKEN}

    link = first_lead_link(env)
    page.driver.get(link)
    page.driver.find_element(By.XPATH, "//button[normalize-space()='Accept and sign in']").click()

    page.wait_for(lambda d: d.current_url.endswith("/board"))
    assert "Sign out First lead" in page.text("header")
    assert first_lead_link(env) is None  # only on the first start


def mailed_sign_in_link(stack, address: str) -> str:
    [mail] = eventually(lambda: stack.smtp.to(address), timeout=60)
    text = mail.get_body(("plain",)).get_content()
    return re.search(rf"{re.escape(stack.web_url)}/sign-in/[\w-]+", text).group(0)


def test_an_emailed_sign_in_link_signs_a_member_in_once(stack, page):
    team = stack.new_team()
    stack.add_member(team, "Mia", email="mia@web.example")
    page.open("/signin")
    page.fill("f-email", "mia@web.example")
    page.driver.find_element(
        By.XPATH, "//button[normalize-space()='Email me a sign-in link']").click()
    page.wait_for_text("a sign-in link is on its way", "main")
    assert page.serious_accessibility_violations() == []

    link = mailed_sign_in_link(stack, "mia@web.example")  # over the broker, through SMTP
    page.driver.get(link)
    page.driver.find_element(By.XPATH, "//main//button[normalize-space()='Sign in']").click()

    page.wait_for(lambda d: d.current_url.endswith("/board"))
    assert "Sign out Mia" in page.text("header")
    page.driver.delete_all_cookies()
    page.driver.get(link)
    page.driver.find_element(By.XPATH, "//main//button[normalize-space()='Sign in']").click()
    page.wait_for_text("already used", "main")


def test_an_unknown_address_is_told_the_same_and_gets_no_mail(stack, page):
    page.open("/signin")
    page.fill("f-email", "stranger@web.example")
    page.driver.find_element(
        By.XPATH, "//button[normalize-space()='Email me a sign-in link']").click()

    page.wait_for_text("If stranger@web.example belongs to a member", "main")
