"""Forms sent while the goals service is down (adding a member, emailing a sign-in link, team
settings, a new goal) or notifications is (team settings, channels, preferences, Mark read,
linking Slack) or checkins is (a check-in, a pairing round) come back as typed, saying nothing
was saved, as the goal page's forms do."""

from __future__ import annotations

import html
import re

from selenium.webdriver.common.by import By

from tests.web.browser import Page
from tests.web.over_http import (
    commented,
    metric_goal,
    service_stopped,
    template_form,
    web_before_own,
)

GOALS_DOWN = "The goals service is unavailable, so nothing was saved"
CHECKINS_DOWN = "The checkins service is unavailable, so nothing was saved"


def test_a_member_added_while_goals_is_down_answers_503_and_keeps_what_was_typed(
        stack, tmp_path):
    """It showed the bare "Temporarily unavailable" page: the name and email typed were lost."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + "/team/members", data={
            "csrf_token": csrf, "name": "Noor", "email": "noor@example.com",
            "timezone": "Asia/Tokyo", "role": "lead"})

    assert answer.status_code == 503, answer.status_code
    assert f"{GOALS_DOWN}: Noor was not added." in answer.text
    for typed in ('value="Noor"', 'value="noor@example.com"', 'value="Asia/Tokyo"',
                  'value="lead" selected'):
        assert typed in answer.text, typed
    members = stack.goals.call("GET", f"/v1/teams/{team.id}/members", team.lead).get_json()
    assert "noor@example.com" not in [m["email"] for m in members["items"]]


def test_a_sign_in_link_asked_for_while_goals_is_down_answers_503_and_keeps_the_email(
        stack, tmp_path):
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + "/signin/email",
                              data={"csrf_token": csrf, "email": "lena@example.com"})

    assert answer.status_code == 503, answer.status_code
    field = re.search(r'<label for="f-email">.*?</label>', answer.text, re.S).group(0)
    assert f"{GOALS_DOWN}: the sign-in link was not sent." in html.unescape(field)
    assert 'value="lena@example.com"' in field
    assert "a sign-in link is on its way" not in answer.text


def test_team_settings_saved_while_goals_is_down_answer_503_and_keep_what_was_typed(
        stack, tmp_path):
    team = stack.new_team()
    before = goals_part(stack, team)
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + "/team/settings",
                              data={"csrf_token": csrf, **SETTINGS, **DIGEST})

    assert answer.status_code == 503, answer.status_code
    assert f"{GOALS_DOWN}: the settings were not saved." in answer.text
    assert_settings_as_typed(answer.text)
    assert goals_part(stack, team) == before


NOTIFICATIONS_DOWN = "The notifications service is unavailable, so nothing was saved"
SETTINGS = {"require_smart": "on", "frequency": "weekly", "weekday": "2", "time": "08:30"}
DIGEST = {"digest_enabled": "on", "digest_weekday": "4", "digest_hour": "16"}


def goals_part(stack, team) -> tuple:
    """The team's SMART requirement and default cadence, as the goals API has them."""
    record = stack.goals.call("GET", f"/v1/teams/{team.id}", team.lead).get_json()
    return record["require_smart"], record.get("default_cadence")


def assert_settings_as_typed(page: str) -> None:
    """The settings form shows SETTINGS and DIGEST as they were typed."""
    for typed in ('value="weekly" selected', 'value="2" selected', 'value="08:30"',
                  'value="4" selected', 'value="16"'):
        assert typed in page, typed
    assert re.search(r'name="require_smart" checked', page)


def test_team_settings_while_notifications_is_down_show_and_save_the_goals_part(
        stack, tmp_path):
    """With notifications down the page says the digest settings cannot be shown, and saving
    it saves the rest (the SMART requirement, the cadence) and says so."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead, "notifications") as (
            session, csrf, web_url):
        shown = session.get(web_url + "/team/settings")
        saved = session.post(web_url + "/team/settings", data={"csrf_token": csrf, **SETTINGS})

    assert shown.status_code == 200, shown.status_code
    for page in (shown, saved):
        assert "The digest settings cannot be shown right now: the notifications service is " \
               "unavailable." in page.text
        assert 'name="digest_weekday"' not in page.text
    assert saved.status_code == 200 and "Settings saved." in saved.text, saved.status_code
    smart, cadence = goals_part(stack, team)
    assert (smart, cadence["frequency"], cadence["weekday"], cadence["time"]) == (
        True, "weekly", 2, "08:30")


def test_team_settings_saved_as_notifications_goes_down_answer_503_and_keep_what_was_typed(
        stack, tmp_path):
    """The page was drawn with the digest settings; notifications went down before it was
    saved: nothing is saved (the goals part is put back) and the form comes back as typed."""
    team = stack.new_team()
    before = goals_part(stack, team)
    with service_stopped(stack, tmp_path, team.lead, "notifications") as (
            session, csrf, web_url):
        answer = session.post(web_url + "/team/settings",
                              data={"csrf_token": csrf, **SETTINGS, **DIGEST})

    assert answer.status_code == 503, answer.status_code
    assert f"{NOTIFICATIONS_DOWN}: the settings were not saved." in answer.text
    assert_settings_as_typed(answer.text)
    assert re.search(r'name="digest_enabled" checked', answer.text)
    assert goals_part(stack, team) == before


def test_a_channel_added_or_tested_while_notifications_is_down_answers_503_and_says_so(
        stack, tmp_path):
    """Both showed the bare "Temporarily unavailable" page: the channel's name and webhook URL
    typed were lost, and the test message's refusal did not say what was not done."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead, "notifications") as (
            session, csrf, web_url):
        added = session.post(web_url + "/team/channels", data={
            "csrf_token": csrf, "type": "teams", "name": "#team-goals",
            "webhook_url": "https://example.com/hooks/goals", "idempotency_key": "add-goals"})
        tested = session.post(web_url + "/team/channels/some-channel/test",
                              data={"csrf_token": csrf})

    assert (added.status_code, tested.status_code) == (503, 503)
    assert "<h1>Channels</h1>" in added.text and "<h1>Channels</h1>" in tested.text
    assert f"{NOTIFICATIONS_DOWN}: the channel was not added." in added.text
    for typed in ('value="teams" selected', 'value="#team-goals"',
                  'value="https://example.com/hooks/goals"',
                  'name="idempotency_key" value="add-goals"'):  # sent again, added once
        assert typed in added.text, typed
    assert f"{NOTIFICATIONS_DOWN}: the test message was not sent." in tested.text


def test_preferences_saved_while_notifications_is_down_answer_503_and_keep_what_was_typed(
        stack, tmp_path):
    """They showed the bare "Temporarily unavailable" page: the choices made were lost."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead, "notifications") as (
            session, csrf, web_url):
        answer = session.post(web_url + "/me/preferences", data={
            "csrf_token": csrf, "delivery": "digest", "digest": "weekly",
            "muted": ["kudos.given", "comment.added"], "quiet_start": "21:00",
            "quiet_end": "07:30"})

    assert answer.status_code == 503, answer.status_code
    assert "<h1>Notification preferences</h1>" in answer.text
    assert f"{NOTIFICATIONS_DOWN}: your preferences were not saved." in answer.text
    for typed in ('value="digest" checked', 'value="weekly" selected',
                  'value="kudos.given" checked', 'value="comment.added" checked',
                  'value="21:00"', 'value="07:30"'):
        assert typed in answer.text, typed
    assert 'value="checkin.logged" checked' not in answer.text


def test_a_time_zone_saved_while_goals_is_down_answers_503_and_keeps_what_was_typed(
        stack, tmp_path):
    """It showed the bare "Temporarily unavailable" page: the time zone typed, and the rest of
    the preferences page, were gone."""
    team = stack.new_team(timezone="UTC")
    with service_stopped(stack, tmp_path, team.lead, "goals") as (session, csrf, web_url):
        answer = session.post(web_url + "/me/timezone",
                              data={"csrf_token": csrf, "timezone": "Asia/Tokyo"})

    assert answer.status_code == 503, answer.status_code
    assert "<h1>Notification preferences</h1>" in answer.text
    zone_form = answer.text[answer.text.index('<h2 id="zone-h">'):]
    assert f"{GOALS_DOWN}: your time zone was not saved." in zone_form
    assert 'name="timezone" type="text" value="Asia/Tokyo"' in zone_form
    assert stack.goals.call("GET", f"/v1/teams/{team.id}/members/{team.lead_id}",
                            team.lead).get_json()["timezone"] == "UTC"


def test_a_check_in_sent_while_checkins_is_down_says_nothing_was_saved(stack, tmp_path):
    """It said "Check-ins did not answer in time; your check-in may not have been saved"
    when the service could not be reached at all, so nothing had been: a member left to
    wonder whether it counted for today. It says what the other forms say."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    with service_stopped(stack, tmp_path, team.lead, "checkins") as (session, csrf, web_url):
        answers = plain_and_htmx(session, web_url + f"/goals/{goal['id']}/checkins",
                                 csrf, {"value": "42", "note": "Halfway there"})

    for answer in answers:
        assert answer.status_code == 503, answer.status_code
        assert (f"{CHECKINS_DOWN}: your check-in was not saved. Send the form again in a "
                "minute.") in answer.text
        assert 'value="42"' in answer.text and "Halfway there</textarea>" in answer.text


def test_a_pairing_round_run_while_checkins_is_down_says_so_and_keeps_the_forms_key(
        stack, tmp_path):
    """"Run a pairing round now" sent while checkins could not be reached showed the bare
    "Temporarily unavailable" page. It says what the other forms say, above the form, which
    keeps its key: sent again, it runs one round however the first went."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead, "checkins") as (session, csrf, web_url):
        answers = plain_and_htmx(session, web_url + "/partners/rounds", csrf,
                                 {"idempotency_key": "the-key"})

    for answer in answers:
        assert answer.status_code == 503, answer.status_code
        assert (f"{CHECKINS_DOWN}: the pairing round was not run. Send the form again in a "
                "minute.") in answer.text, answer.text
        form = re.search(r'<form method="post" action="/partners/rounds">(.*?)</form>',
                         answer.text, re.S).group(1)
        assert 'name="idempotency_key" value="the-key"' in form
        assert "Run a pairing round now</button>" in form


def plain_and_htmx(session, url: str, csrf: str, fields: dict) -> list:
    """`fields` posted to `url` twice: as a form without JavaScript, then as htmx sends it."""
    sent = {"csrf_token": csrf, **fields}
    return [session.post(url, data=sent),
            session.post(url, data=sent, headers={"HX-Request": "true", "X-CSRF-Token": csrf})]


def test_mark_read_while_notifications_is_down_answers_503_and_offers_the_same_form_again(
        stack, tmp_path):
    """It showed the bare "Temporarily unavailable" page, with or without JavaScript: the feed
    and its Mark read form were gone."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead, "notifications") as (
            session, csrf, web_url):
        answers = plain_and_htmx(session, web_url + "/me/feed/read", csrf,
                                 {"ids": ["n-one", "n-two"], "cursor": "older"})

    for answer in answers:
        assert answer.status_code == 503, answer.status_code
        assert "<h1>Feed" in answer.text
        assert (f"{NOTIFICATIONS_DOWN}: your notifications were not marked read."
                in answer.text)
        form = re.search(r'<form method="post" action="/me/feed/read">(.*?)</form>',
                         answer.text, re.S).group(1)
        assert re.findall(r'name="ids" value="([^"]+)"', form) == ["n-one", "n-two"]
        assert 'name="cursor" value="older"' in form and "Mark these read" in form
        assert "Your feed cannot be shown right now" in answer.text


def test_linking_slack_while_notifications_is_down_answers_503_and_offers_the_button_again(
        stack, tmp_path):
    """It showed the bare "Temporarily unavailable" page, and the link's ticket was lost."""
    team = stack.new_team()
    with service_stopped(stack, tmp_path, team.lead, "notifications") as (
            session, csrf, web_url):
        answers = plain_and_htmx(session, web_url + "/slack/link", csrf,
                                 {"ticket": "the-ticket"})

    for answer in answers:
        assert answer.status_code == 503, answer.status_code
        assert "<h1>Link your Slack account</h1>" in answer.text
        assert f"{NOTIFICATIONS_DOWN}: your Slack account was not linked." in answer.text
        assert 'name="ticket" value="the-ticket"' in answer.text
        assert "Link my Slack account</button>" in answer.text


def test_mark_read_and_link_slack_in_the_browser_while_notifications_is_down_say_so(
        stack, tmp_path, driver):
    """With JavaScript (htmx loaded) as without: the page drawn while notifications answered,
    its button pressed after it stopped, says in the page what was not done and offers the
    button again."""
    team = stack.new_team()
    max_token, _, _ = commented(stack, team, 1)
    with web_before_own(stack, tmp_path, "notifications") as (web_url, stop):
        page = Page(driver, web_url).sign_in(max_token).open("/me/feed")
        page.wait_for_text("(1 unread)", "h1")
        stop()
        page.driver.find_element(By.XPATH, "//button[.='Mark all read']").click()
        page.wait_for_text("your notifications were not marked read", "main")
        assert page.driver.find_elements(By.XPATH, "//button[.='Mark these read']")

        page.open("/slack/link?ticket=the-ticket")
        page.driver.find_element(By.XPATH, "//button[.='Link my Slack account']").click()
        page.wait_for_text("your Slack account was not linked", "main")
        assert page.driver.find_elements(By.XPATH, "//button[.='Link my Slack account']")


def test_a_new_goal_sent_while_goals_is_down_says_nothing_was_created(stack, tmp_path):
    """The New goal form and its template forms said "Goals did not answer in time; your goal
    may not have been created" when the service could not be reached at all, so nothing had
    been. They say what the other forms say."""
    team = stack.new_team()
    _, _, template = template_form(stack, team.lead)
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        goal = session.post(web_url + "/goals/new", data={
            "csrf_token": csrf, "title": "Close 20 support tickets", "metric_unit": "tickets",
            "metric_start": "0", "metric_target": "20", "visibility": "team"})
        draft = session.post(web_url + f"/goals/templates/{template}",
                             data={"csrf_token": csrf})

    assert (goal.status_code, draft.status_code) == (503, 503)
    assert (f"{GOALS_DOWN}: your goal was not created. Send the form again in a "
            "minute.") in goal.text, goal.text
    assert 'value="Close 20 support tickets"' in goal.text
    assert (f"{GOALS_DOWN}: your draft was not created. Send the form again in a "
            "minute.") in draft.text, draft.text
