"""Running the team from the browser: members, channels and their delivery log, partners,
the feed and preferences."""

from __future__ import annotations

import html
import json
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from services.goals.domain.invites import code_hash
from services.notifications.domain.slack_workspace import LinkTicket, SlackWorkspace
from services.web.adapters.api_client import FormErrors
from services.web.adapters.orm import web_sessions
from services.web.service_layer import team_form_handlers as team_forms
from tests.support.stack import auth, scheduled_job
from tests.support.waiting import eventually
from tests.web.over_http import CSRF, days, hidden_fields, signed_in


def click(page, text: str) -> None:
    page.driver.find_element(By.XPATH, f"//button[normalize-space()='{text}']").click()


def add_noor(stack, page) -> str:
    """A lead adds Noor on the members page; the invite link it shows."""
    team = stack.new_team(lead_name="Lena")
    page.sign_in(team.lead).open("/team/members")
    page.fill("f-name", "Noor")
    page.fill("f-email", "noor@example.com")
    click(page, "Add member")
    page.wait_for_text("Noor", "table")  # the page the form answers, not the one it left
    return page.driver.find_element(By.ID, "invite-link").get_attribute("value")


def accept(page, link: str) -> None:
    page.driver.delete_all_cookies()
    page.driver.get(link)
    click(page, "Accept and sign in")


def test_a_lead_adds_a_member_whose_invite_link_signs_them_in_to_the_board(stack, page):
    link = add_noor(stack, page)
    assert page.serious_accessibility_violations() == []

    accept(page, link)

    page.wait_for(lambda d: d.current_url.endswith("/board"))
    assert "Sign out Noor" in page.text("header")


def test_a_used_invite_link_says_so_and_how_to_get_a_new_one(stack, page):
    link = add_noor(stack, page)
    accept(page, link)
    page.wait_for(lambda d: d.current_url.endswith("/board"))

    accept(page, link)

    page.wait_for_text("already used", "main")
    assert "Ask a lead" in page.text("main")
    assert page.serious_accessibility_violations() == []
    page.open("/board")
    assert "/signin" in page.driver.current_url


def test_an_expired_invite_link_says_so(stack, page):
    link = add_noor(stack, page)

    with stack.goals_clock.shifted(days=8):
        accept(page, link)
        page.wait_for_text("expired", "main")
        assert "Ask a lead" in page.text("main")


def test_a_refused_invite_link_keeps_the_capitals_of_the_goals_services_reason(stack):
    """Jinja's `capitalize` lowercased everything after the first letter of the reason, so
    an expired link read "expired on 13 dec 2026"; only its first letter is raised now."""
    team = stack.new_team()
    member_id, _ = stack.add_member(team, "Max")
    invited = stack.goals.call("POST", f"/v1/teams/{team.id}/members/{member_id}/invites",
                               team.lead).get_json()
    expires = datetime.fromisoformat(invited["expires_at"])
    session = requests.Session()
    link = stack.web_url + f"/invite/{invited['code']}"
    csrf = CSRF.search(session.get(link).text).group(1)

    with stack.goals_clock.shifted(days=8):
        refused = session.post(link, data={"csrf_token": csrf})

    assert refused.status_code == 410, refused.status_code
    assert (f"This invite link expired on {expires:%d %b %Y}; ask a lead for a new one."
            in refused.text), refused.text


def test_a_removed_member_opening_an_old_invite_link_is_told_they_are_no_longer_a_member(
        stack):
    """They were told the link was cancelled (or used) and to ask a lead for a new one, which
    a lead cannot give a member who left the team."""
    team = stack.new_team("Falcons")
    member_id, _ = stack.add_member(team, "Max")
    codes = [stack.goals.call("POST", f"/v1/teams/{team.id}/members/{member_id}/invites",
                              team.lead).get_json()["code"] for _ in range(2)]
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + f"/invite/{codes[1]}").text).group(1)
    signed_in_once = session.post(stack.web_url + f"/invite/{codes[1]}", data={"csrf_token": csrf})
    assert signed_in_once.url.endswith("/board"), signed_in_once.status_code
    session.post(stack.web_url + "/signout", data={"csrf_token": csrf})
    left = stack.goals.call("PATCH", f"/v1/teams/{team.id}/members/{member_id}", team.lead,
                            json={"state": "left"})
    assert left.status_code == 200, left.get_json()

    answers = []
    for code in codes:  # the one not used (cancelled as he left), and the one he used
        csrf = CSRF.search(session.get(stack.web_url + f"/invite/{code}").text).group(1)
        answers.append(session.post(stack.web_url + f"/invite/{code}",
                                    data={"csrf_token": csrf}))

    for answer in answers:
        assert answer.status_code == 403, answer.status_code
        assert "<h1>This link cannot sign you in</h1>" in answer.text
        assert '<p class="banner" role="alert">You are no longer a member of Falcons.</p>' \
            in answer.text
        assert "A lead removed you from the team, so no link signs you in" in answer.text
        assert "ask a lead" not in answer.text.lower()


def test_accept_and_sign_in_clicked_twice_at_once_lands_on_the_board_both_times(stack):
    """A double-clicked "Accept and sign in": both requests reach goals together; the first
    used the invite and signed Max in, the second showed "already used". The form's key
    goes with both, so each lands on Max's board, and the web app holds two sessions, both
    Max's."""
    team = stack.new_team("Owls")
    max_id, _ = stack.add_member(team, "Max")
    code = stack.goals.call("POST", f"/v1/teams/{team.id}/members/{max_id}/invites",
                            team.lead).get_json()["code"]
    browser = requests.Session()
    link = stack.web_url + f"/invite/{code}"
    form = hidden_fields(browser.get(link).text)

    def click_accept():
        same_browser = requests.Session()
        same_browser.cookies.update(browser.cookies)
        return same_browser.post(link, data=form)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: click_accept(), range(2)))

    assert [(a.status_code, a.url.endswith("/board")) for a in answers] == [(200, True)] * 2, [
        a.text[:300] for a in answers]
    assert all("Sign out Max" in a.text for a in answers)
    assert signed_in_members(stack, team.id) == [max_id, max_id]


def signed_in_members(stack, team_id: str) -> list[str]:
    """The ids of the team's members the web app holds a session for, one per session."""
    app = stack.servers[-1].server.app
    with app.extensions["web"].sessions.engine.connect() as conn:
        members = [json.loads(m) for m in conn.execute(select(web_sessions.c.member)).scalars()]
    return [m["id"] for m in members if m["team_id"] == team_id]


def test_the_api_token_shown_after_adding_a_member_also_signs_in(stack, page):
    add_noor(stack, page)
    page.driver.find_element(By.CSS_SELECTOR, "details summary").click()
    token = page.driver.find_element(By.ID, "new-token").get_attribute("value")

    page.sign_in(token)

    assert "Sign out Noor" in page.text("header")


def test_a_lead_snoozes_and_removes_a_member(stack, page):
    team = stack.new_team()
    member_id, _ = stack.add_member(team, "Max")
    page.sign_in(team.lead).open("/team/members")

    page.driver.execute_script(
        "document.getElementById(arguments[0]).value = '2099-01-31';", f"snooze-{member_id}")
    page.driver.find_element(
        By.XPATH, f"//tr[@id='member-{member_id}']//form[.//input[@value='snooze']]//button"
    ).click()
    page.wait_for_text("Snoozed until", f"#member-{member_id}")

    click(page, "Remove Max")
    page.wait_for_text("Remove Max from the team?", "h1")
    click(page, "Remove Max")
    page.wait_for(lambda d: not d.find_elements(By.ID, f"member-{member_id}"))


def test_a_member_is_removed_only_once_the_lead_confirms(stack):
    """'Remove' sat beside 'Make lead' and removed the member at one click, for good: the
    web app offers no way back, and a removed member cannot be invited again."""
    team = stack.new_team()
    member_id, _ = stack.add_member(team, "Max")
    session, csrf = signed_in(stack, team.lead)
    path = stack.web_url + f"/team/members/{member_id}"

    asked = session.post(path, data={"csrf_token": csrf, "action": "remove"})

    assert asked.status_code == 200, asked.status_code
    assert "<h1>Remove Max from the team?</h1>" in asked.text
    in_api = f"/v1/teams/{team.id}/members/{member_id}"
    assert stack.goals.call("GET", in_api, team.lead).get_json()["state"] == "active"

    kept = session.get(stack.web_url + "/team/members")
    assert f'id="member-{member_id}"' in kept.text
    removed = session.post(path, data={"csrf_token": csrf, "action": "remove",
                                       "confirmed": "yes"}, allow_redirects=False)
    assert removed.status_code == 302, removed.status_code
    assert stack.goals.call("GET", in_api, team.lead).get_json()["state"] == "left"


def test_back_after_removing_a_member_says_they_were_removed(stack, page):
    """Back from the members page, once Max was removed, showed the kept confirmation again,
    "Remove Max from the team?" with its button, as if he were still there. The confirmation
    is a page the browser asks for again (no-store): once he left, it says he was removed."""
    team = stack.new_team()
    member_id, _ = stack.add_member(team, "Max")
    page.sign_in(team.lead).open("/team/members")
    click(page, "Remove Max")
    page.wait_for_text("Remove Max from the team?", "h1")
    click(page, "Remove Max")
    # the members page the removal answers (the confirmation lists no row either: Back from
    # it, still there, would go to the members page)
    page.wait_for(lambda d: urlsplit(d.current_url).path == "/team/members"
                  and d.find_elements(By.ID, "f-name")
                  and not d.find_elements(By.ID, f"member-{member_id}"))

    page.driver.back()

    page.wait_for_text("Max was removed from the team", "main")
    assert "Remove Max from the team?" not in page.text("main")
    assert not page.driver.find_elements(By.XPATH, "//button[normalize-space()='Remove Max']")


def test_the_removal_page_of_a_member_who_left_otherwise_says_only_that_they_left(stack):
    """The removal's page said "Max was removed from the team" for anyone who left, though the
    lead reading it had not removed him (another lead had, in the API here; or he left on his
    own): the API does not say who did. It says "Max is no longer on the team"; "was removed"
    stays for the lead who removed him from this session."""
    team = stack.new_team()
    member_id, _ = stack.add_member(team, "Max")
    gone = stack.goals.call("PATCH", f"/v1/teams/{team.id}/members/{member_id}", team.lead,
                            json={"state": "left"})
    assert gone.status_code == 200, gone.get_json()
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + f"/team/members/{member_id}/remove")

    assert page.status_code == 200, page.status_code
    assert "<h1>Max is no longer on the team</h1>" in page.text
    assert "was removed" not in page.text and "Remove Max</button>" not in page.text


def test_the_removal_page_of_each_member_this_lead_removed_says_so(stack):
    """The session kept only its last removal: Back to Max's page after removing Max then Bea
    said "Max is no longer on the team", as if someone else had removed him."""
    team = stack.new_team()
    max_id, _ = stack.add_member(team, "Max")
    bea_id, _ = stack.add_member(team, "Bea")
    session, csrf = signed_in(stack, team.lead)
    for member_id in (max_id, bea_id):
        removed = session.post(stack.web_url + f"/team/members/{member_id}", data={
            "csrf_token": csrf, "action": "remove", "confirmed": "yes"}, allow_redirects=False)
        assert removed.status_code == 302, removed.status_code

    pages = [session.get(stack.web_url + f"/team/members/{member_id}/remove").text
             for member_id in (max_id, bea_id)]

    assert ["<h1>Max was removed from the team</h1>" in pages[0],
            "<h1>Bea was removed from the team</h1>" in pages[1]] == [True, True]


def test_a_lead_adds_a_slack_channel_tests_it_and_sees_its_deliveries(stack, page, slack):
    team = stack.new_team()
    page.sign_in(team.lead).open("/team/channels")
    Select(page.driver.find_element(By.ID, "f-type")).select_by_value("slack")
    page.fill("f-name", "#team-goals")
    page.fill("f-webhook_url", slack.webhook())
    click(page, "Add channel")
    page.wait_for_text("added", "main")
    assert "#team-goals" in page.text("table")

    click(page, "Send test message")
    page.wait_for_text("Test message sent", "main")
    eventually(lambda: slack.delivered(), timeout=60)
    assert "Goalkeeper test message" in slack.delivered()[0].body.decode()

    stack.create_goal(team.lead, title="Announce the goal in Slack")

    eventually(lambda: len(slack.delivered()) >= 2, timeout=60)
    assert "Announce the goal in Slack" in slack.delivered()[1].body.decode()
    page.open("/team/deliveries")  # the log records the answer just after Slack gave it
    page.wait_for(lambda d: "Sent:" in page.text("main") or d.refresh(), timeout=60)
    assert "Announce the goal in Slack" in page.text("main")
    assert page.serious_accessibility_violations() == []


KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


def test_the_add_a_channel_form_sent_twice_adds_one_channel(stack, slack):
    """A double click on "Add channel" added two identical channels, so every message then
    posted twice. The form carries a key of its own: sent twice, it adds one channel; sent
    again with other values, it says the first was added and takes a new key."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    key = KEY.search(session.get(stack.web_url + "/team/channels").text).group(1)
    form = {"csrf_token": csrf, "type": "slack", "name": "#team-goals",
            "webhook_url": slack.webhook(), "idempotency_key": key}

    answers = [session.post(stack.web_url + "/team/channels", data=form) for _ in range(2)]

    assert [a.status_code for a in answers] == [201, 201]
    listed = re.findall(r'<tr id="channel-([^"]+)">', answers[1].text)
    assert len(listed) == 1, answers[1].text
    stored = stack.notifications.call("GET", f"/v1/teams/{team.id}/channels", team.lead)
    assert [c["id"] for c in stored.get_json()["items"]] == listed  # the team has that one only
    assert KEY.search(answers[1].text).group(1) != key  # a fresh form for the next channel
    other = session.post(stack.web_url + "/team/channels", data={**form, "name": "#other"})
    assert other.status_code == 422, other.status_code
    assert ("This form was already sent with other values, and that channel was added: it is "
            "in the list above.") in other.text
    assert 'value="#other"' in other.text and KEY.search(other.text).group(1) != key
    in_api = stack.notifications.call("GET", f"/v1/teams/{team.id}/channels", team.lead)
    assert [c["name"] for c in in_api.get_json()["items"]] == ["#team-goals"]


def test_send_test_message_clicked_twice_sends_one(stack, slack):
    """A double click on "Send test message" sent the channel two test messages. Its button's
    form now carries a key of its own: sent twice, it queues one message, which the channel
    gets once."""
    team, session, csrf, added, channel_id = a_channel_added(stack, slack)
    action = f"/team/channels/{channel_id}/test"
    button = added.text[added.text.index(f'action="{action}"'):]
    form = hidden_fields(button[:button.index("</form>")])
    assert form["idempotency_key"]

    answers = [session.post(stack.web_url + action, data=form) for _ in range(2)]

    assert [a.status_code for a in answers] == [202, 202]
    logged = stack.notifications.call("GET", f"/v1/teams/{team.id}/deliveries",
                                      team.lead).get_json()["items"]
    assert len([d["notification"]["id"] for d in logged]) == 1, logged
    eventually(lambda: slack.delivered() or None, timeout=60)
    assert len(slack.delivered()) == 1


def test_a_bad_webhook_url_is_refused_next_to_its_field(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead).open("/team/channels")
    page.fill("f-webhook_url", "https://evil.example/hook")
    click(page, "Add channel")

    assert page.text("#e-webhook_url")


def test_a_partner_sees_a_private_goal_and_a_non_partner_does_not(stack, page):
    team = stack.new_team()
    ben_id, ben = stack.add_member(team, "Ben")
    chen_id, chen = stack.add_member(team, "Chen")
    _, dara = stack.add_member(team, "Dara")
    secret = stack.create_goal(ben, title="Ben's private stretch goal", visibility="private")
    eventually(lambda: stack.checkins_know(secret["id"], ben))
    invite = stack.checkins.call("POST", f"/v1/teams/{team.id}/partnerships", ben,
                                 json={"member_id": chen_id})
    assert invite.status_code == 201, invite.get_json()
    accepted = stack.checkins.client.post(
        f"/v1/teams/{team.id}/partnerships/{invite.get_json()['id']}/accept", headers=auth(chen))
    assert accepted.status_code == 200, accepted.get_json()

    page.sign_in(chen).open("/partners")
    page.wait_for(lambda d: "Ben's private stretch goal" in page.text("main") or
                  d.refresh(), timeout=60)
    assert "Ben" in page.text("main")
    assert page.serious_accessibility_violations() == []

    page.sign_in(dara).open(f"/goals/{secret['id']}")
    assert "Not found" in page.text("main")
    page.open("/board")
    assert "Ben's private stretch goal" not in page.text("#board")


def test_a_refused_pairing_round_says_why_on_the_partners_page(stack):
    """Sent by a member who is not a lead (a lead made a member since the page was drawn), the
    round form got a bare 403 page, without the checkins service's reason."""
    team = stack.new_team()
    _, ben = stack.add_member(team, "Ben")
    session, csrf = signed_in(stack, ben)

    refused = session.post(stack.web_url + "/partners/rounds", data={"csrf_token": csrf})

    assert refused.status_code == 403, refused.status_code
    assert "<h1>My partners</h1>" in refused.text
    assert "No round was run: only a team lead may do this." in refused.text


def test_preferences_are_saved_and_the_feed_shows_its_unread_count(stack, page):
    team = stack.new_team()
    page.sign_in(team.lead).open("/me/preferences")

    page.driver.find_element(By.CSS_SELECTOR, "input[name=delivery][value=digest]").click()
    page.driver.find_element(By.CSS_SELECTOR, "input[name=muted][value='kudos.given']").click()
    page.driver.execute_script(
        "document.getElementById('f-quiet_start').value = '22:00';"
        "document.getElementById('f-quiet_end').value = '07:00';")
    click(page, "Save preferences")

    page.wait_for_text("Preferences saved", "main")
    page.open("/me/preferences")
    assert page.driver.find_element(
        By.CSS_SELECTOR, "input[name=delivery][value=digest]").is_selected()
    assert page.driver.find_element(
        By.CSS_SELECTOR, "input[name=muted][value='kudos.given']").is_selected()
    assert page.driver.find_element(By.ID, "f-quiet_start").get_attribute("value") == "22:00"
    page.open("/me/feed")
    assert "unread" in page.text("h1")
    assert page.serious_accessibility_violations() == []


def test_a_lead_sets_smart_requirement_cadence_and_the_weekly_digest(stack, page):
    team = stack.new_team()
    eventually(lambda: stack.notifications.call(
        "GET", f"/v1/teams/{team.id}/digest", team.lead).status_code == 200)
    page.sign_in(team.lead).open("/team/settings")
    assert page.serious_accessibility_violations() == []

    page.driver.find_element(By.NAME, "require_smart").click()
    Select(page.driver.find_element(By.ID, "f-frequency")).select_by_value("weekly")
    Select(page.driver.find_element(By.ID, "f-weekday")).select_by_value("4")
    Select(page.driver.find_element(By.ID, "f-digest_weekday")).select_by_value("3")
    page.fill("f-digest_hour", "10")
    click(page, "Save settings")

    page.wait_for_text("Settings saved", "main")
    saved = stack.goals.call("GET", f"/v1/teams/{team.id}", team.lead).get_json()
    assert saved["require_smart"] is True
    assert (saved["default_cadence"]["frequency"], saved["default_cadence"]["weekday"]) == (
        "weekly", 4)
    digest = stack.notifications.call("GET", f"/v1/teams/{team.id}/digest", team.lead)
    assert (digest.get_json()["weekday"], digest.get_json()["hour"]) == (3, 10)


def test_a_digest_hour_that_is_not_a_whole_number_is_refused_next_to_its_field(stack, page):
    """A form posted with text where a number belongs (the number input is a text box to a
    script or an old browser) gets the API's 422 beside the field, not a server error."""
    team = stack.new_team()
    eventually(lambda: stack.notifications.call(
        "GET", f"/v1/teams/{team.id}/digest", team.lead).status_code == 200)
    page.sign_in(team.lead).open("/team/settings")
    page.driver.execute_script("document.getElementById('f-digest_hour').type = 'text';")
    page.fill("f-digest_hour", "nine")
    click(page, "Save settings")

    page.wait_for(lambda d: d.find_elements(By.ID, "e-digest_hour"))
    assert "Not a valid integer" in page.text("#e-digest_hour")
    digest = stack.notifications.call("GET", f"/v1/teams/{team.id}/digest", team.lead)
    assert digest.get_json()["hour"] == 9


def test_a_refused_digest_saves_nothing_and_shows_every_field_as_typed(stack):
    """The goals part (SMART, cadence) was saved before the notifications API refused the
    digest's hour: the lead read 'refused' while half the form had been saved."""
    team = stack.new_team()
    eventually(lambda: stack.notifications.call(
        "GET", f"/v1/teams/{team.id}/digest", team.lead).status_code == 200)
    before = stack.goals.call("GET", f"/v1/teams/{team.id}", team.lead).get_json()
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + "/team/settings", data={
        "csrf_token": csrf, "require_smart": "on", "frequency": "weekly", "weekday": "4",
        "time": "10:30", "digest_enabled": "on", "digest_weekday": "3", "digest_hour": "25"})

    assert refused.status_code == 422, refused.status_code
    assert re.search(r'<small id="e-digest_hour"[^>]*>Must be greater than or equal to 0 '
                     r'and less than or equal to 23.</small>', refused.text)
    for typed in ('name="require_smart" checked', '<option value="weekly" selected>',
                  '<option value="4" selected>Friday', 'value="10:30"',
                  'name="digest_enabled" checked', '<option value="3" selected>Thursday',
                  'value="25"'):
        assert typed in refused.text, typed
    assert "Settings saved" not in refused.text
    assert stack.goals.call("GET", f"/v1/teams/{team.id}", team.lead).get_json() == before


def test_a_refused_form_drawn_without_its_digest_part_is_shown_again_without_it(stack):
    """Drawn while notifications was down, the form has no digest fields; refused, it came
    back with them at their defaults (off, Monday, 9), and sending it again turned the team's
    digest off."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + "/team/settings", data={
        "csrf_token": csrf, "frequency": "weekly", "weekday": "9", "time": "10:30"})

    assert refused.status_code == 422, refused.status_code
    assert 'name="digest_hour"' not in refused.text
    assert "The digest settings cannot be shown right now" in refused.text


def slack_link_ticket(stack, team) -> tuple[str, str]:
    """The ticket the Slack app's Home tab offers an unknown Slack user, in the team's workspace
    (which stands for a finished OAuth install, seeded through the service's repository)."""
    slack_user = f"U{uuid.uuid4().hex[:10].upper()}"
    now = datetime.now(UTC)
    with stack.notifications.container.uow() as uow:
        workspace = SlackWorkspace(team.id, f"T{uuid.uuid4().hex[:8].upper()}", None,
                                   team.lead_id, now)
        uow.slack.add(workspace)
        ticket = LinkTicket(workspace.slack_team_id, slack_user, now)
        uow.slack.add(ticket)
        uow.commit()
        return ticket.ticket, slack_user


def test_the_slack_home_link_signs_in_first_then_links_the_member(stack, page):
    team = stack.new_team()
    ticket, slack_user = slack_link_ticket(stack, team)
    page.driver.delete_all_cookies()

    page.open(f"/slack/link?ticket={ticket}")
    assert "/signin" in page.driver.current_url
    page.fill("f-token", team.lead)
    page.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    # the link's page itself: the sign-in page's URL names it too (?next=/slack/link...)
    page.wait_for(lambda d: urlsplit(d.current_url).path == "/slack/link" and d.find_elements(
        By.XPATH, "//button[normalize-space()='Link my Slack account']"))
    assert page.serious_accessibility_violations() == []
    click(page, "Link my Slack account")

    page.wait_for_text("is linked", "main")
    assert slack_user in page.text("main")


def test_back_after_linking_my_slack_account_says_it_is_linked(stack, page):
    """Back from the board, once the account was linked, showed the kept confirmation again,
    "Link that Slack user to you?" with its button, as if nothing were linked. The link's
    page is asked for again (no-store): once this member linked its ticket, it says so."""
    team = stack.new_team()
    ticket, slack_user = slack_link_ticket(stack, team)
    page.sign_in(team.lead).open(f"/slack/link?ticket={ticket}")
    click(page, "Link my Slack account")
    page.wait_for_text("is linked", "main")
    page.driver.find_element(By.LINK_TEXT, "Back to the board").click()
    page.wait_for(lambda d: "/board" in d.current_url)

    for _ in range(2):  # the answer to the button, then the page that offered it
        page.driver.back()

        page.wait_for_text(f"Your Slack account ({slack_user}) is linked.", "main")
        assert "Link that Slack user to you" not in page.text("main")
        assert not page.driver.find_elements(
            By.XPATH, "//button[normalize-space()='Link my Slack account']")


def test_link_my_slack_account_sent_twice_says_it_is_linked_both_times(stack):
    """A double click on "Link my Slack account" (or a resend after a timeout) said "This link
    is unknown, used or expired" the second time, though the first had linked the account.
    Another member sending the used link is still refused."""
    team = stack.new_team()
    ticket, slack_user = slack_link_ticket(stack, team)
    _, bea_token = stack.add_member(team, "Bea")
    session, csrf = signed_in(stack, team.lead)

    answers = [session.post(stack.web_url + "/slack/link",
                            data={"csrf_token": csrf, "ticket": ticket}) for _ in range(2)]

    linked = f"Your Slack account ({slack_user}) is linked."
    for answer in answers:
        assert (answer.status_code, linked in answer.text) == (200, True), answer.text
    bea, bea_csrf = signed_in(stack, bea_token)
    refused = bea.post(stack.web_url + "/slack/link",
                       data={"csrf_token": bea_csrf, "ticket": ticket})
    assert refused.status_code == 403, refused.status_code
    assert "This link is unknown, used or expired" in refused.text


def test_a_refused_slack_link_answers_the_status_of_its_refusal(stack):
    """Every refusal of "Link my Slack account" answered 403. A Slack user already a
    teammate's is a conflict (409), a ticket longer than any the app makes is refused as sent
    (422), a used ticket stays forbidden (403); each page says why."""
    team = stack.new_team()
    ticket, slack_user = slack_link_ticket(stack, team)
    _, bea_token = stack.add_member(team, "Bea")
    bea, bea_csrf = signed_in(stack, bea_token)
    assert bea.post(stack.web_url + "/slack/link",
                    data={"csrf_token": bea_csrf, "ticket": ticket}).status_code == 200
    session, csrf = signed_in(stack, team.lead)

    answers = [session.post(stack.web_url + "/slack/link", data={"csrf_token": csrf,
                                                                 "ticket": sent})
               for sent in (another_ticket(stack, team, slack_user), "T" * 101, ticket)]

    assert [a.status_code for a in answers] == [409, 422, 403], [a.text for a in answers]
    assert f"Slack user {slack_user} is already Bea&#39;s in this team" in answers[0].text
    assert "This link is unknown, used or expired" in answers[2].text


def test_a_slack_link_mangled_when_copied_is_refused_in_words_not_by_field_name(stack):
    """A link whose ticket ran on when copied (longer than any the app makes) said "Invalid
    fields: ticket.": the notifications API's field name. It says the link is not one the app
    made, and what to do."""
    session, csrf = signed_in(stack, stack.new_team().lead)

    refused = session.post(stack.web_url + "/slack/link",
                           data={"csrf_token": csrf, "ticket": "T" * 101})

    assert refused.status_code == 422, refused.status_code
    assert "Invalid fields" not in refused.text
    assert ("This link is not one Goalkeeper&#39;s Slack app made: open Goalkeeper&#39;s Home tab "
            "in Slack and use its link button again.") in refused.text, refused.text


def another_ticket(stack, team, slack_user: str) -> str:
    """A fresh ticket for `slack_user` in the team's workspace (`slack_link_ticket`'s)."""
    with stack.notifications.container.uow() as uow:
        workspace = uow.slack.workspace(team.id)
        ticket = LinkTicket(workspace.slack_team_id, slack_user, datetime.now(UTC))
        uow.slack.add(ticket)
        uow.commit()
        return ticket.ticket


def invite_button_form(stack, session, member_id: str) -> dict[str, str]:
    """The hidden fields of the Invite link button on the member's row of the members page."""
    page = session.get(stack.web_url + "/team/members").text
    action = f'action="/team/members/{member_id}/invite"'
    return hidden_fields(page[page.index(action):page.index("</form>", page.index(action))])


def member_row(page: str, member_id: str) -> str:
    """The members page's row of `member_id`, from its <tr> to its </tr>."""
    row = page[page.index(f'<tr id="member-{member_id}"'):]
    return row[:row.index("</tr>")]


def test_a_refused_change_to_a_member_is_said_on_that_members_row(stack):
    """A refused snooze (a date the API does not take, as a browser without a date picker
    sends it) said "Invalid fields: snoozed_until" at the top of the Add a member form, far
    from the row and without the API's reason."""
    team = stack.new_team()
    bea_id, _ = stack.add_member(team, "Bea")
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + f"/team/members/{bea_id}",
                           data={"csrf_token": csrf, "action": "snooze",
                                 "snoozed_until": "31/12/2030"})

    assert refused.status_code == 422
    page = refused.text
    row = member_row(page, bea_id)
    add_form = page[page.index("<h2>Add a member</h2>"):]
    assert 'role="alert"' in row and "Invalid fields" not in row, row
    assert 'aria-describedby="e-member-' in row and 'aria-invalid="true"' in row
    assert 'role="alert"' not in add_form


@pytest.mark.parametrize("action, sent, why", [
    ("snooze", {"snoozed_until": "2099-12-31"}, "cannot be snoozed"),
    ("make_lead", {}, "cannot be given another role")])
def test_a_change_refused_for_a_member_who_left_meanwhile_says_why_above_the_list(
        stack, action, sent, why):
    """A lead's page still showed Bea, removed meanwhile in another tab. Snoozing her from her
    row answered 409 with the members page and no word anywhere (her row, where the refusal
    would be said, is not listed once she left); "Make lead" made her a lead."""
    team = stack.new_team()
    bea_id, _ = stack.add_member(team, "Bea")
    session, csrf = signed_in(stack, team.lead)
    path = stack.web_url + f"/team/members/{bea_id}"
    removed = session.post(path, data={"csrf_token": csrf, "action": "remove",
                                       "confirmed": "yes"}, allow_redirects=False)
    assert removed.status_code == 302, removed.status_code

    refused = session.post(path, data={"csrf_token": csrf, "action": action, **sent})

    assert refused.status_code == 409, refused.status_code
    assert f'id="member-{bea_id}"' not in refused.text
    listed = refused.text[:refused.text.index("<table>")]
    assert ('<p class="error" role="alert">Nothing was changed for Bea: a member who left '
            f'{why}.</p>') in listed, listed


def test_an_invite_link_asked_for_a_member_who_left_meanwhile_says_why_above_the_list(stack):
    """A lead's page still showed Max, removed meanwhile in another tab. His row's Invite link
    button answered the app's error page: goals refuses an invite for a member who left (409)
    and nothing said it."""
    team = stack.new_team(lead_name="Lena")
    max_id, _ = stack.add_member(team, "Max")
    session, csrf = signed_in(stack, team.lead)
    form = invite_button_form(stack, session, max_id)
    removed = session.post(stack.web_url + f"/team/members/{max_id}",
                           data={"csrf_token": csrf, "action": "remove", "confirmed": "yes"},
                           allow_redirects=False)
    assert removed.status_code == 302, removed.status_code

    refused = session.post(stack.web_url + f"/team/members/{max_id}/invite",
                           data={**form, "csrf_token": csrf})

    assert refused.status_code == 409, refused.status_code
    assert f'id="member-{max_id}"' not in refused.text
    assert 'id="invite-link"' not in refused.text
    listed = refused.text[:refused.text.index("<table>")]
    assert ('<p class="error" role="alert">No invite link was made for Max: the member has '
            'left the team.</p>') in listed, listed
    assert unused_invites(stack, max_id) == []


@pytest.mark.parametrize("whose, action, said", [
    ("Bea", "remove", "Bea still owns 1 open goal (“Ship the export”); close it before Bea "
                      "leaves the team."),
    ("lead", "make_member", "A team keeps at least one lead; promote someone else first.")])
def test_a_refusal_on_a_members_row_is_said_as_a_sentence(stack, whose, action, said):
    """A member's row said the API's reason as it came, with no full stop, and lower case
    when it starts so: removing Bea, who still owns an open goal, and the only lead made a
    member (a form the page does not offer, sent from a script or a page of before)."""
    team = stack.new_team()
    bea_id, bea = stack.add_member(team, "Bea")
    stack.create_goal(bea, title="Ship the export")
    member_id = {"Bea": bea_id, "lead": team.lead_id}[whose]
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + f"/team/members/{member_id}",
                           data={"csrf_token": csrf, "action": action, "confirmed": "yes"})

    assert refused.status_code == 409, refused.status_code
    assert (f'<p id="e-member-{member_id}" class="error" role="alert">{said}</p>'
            in member_row(refused.text, member_id)), member_row(refused.text, member_id)


def test_a_member_whose_snooze_has_ended_is_listed_as_active(stack):
    """goals kept a member snoozed until a lead woke them, while every service hears from
    them again once their snooze day has passed: Bea, snoozed through a day five days ago and
    back since, read "Snoozed until …" with a Wake button, as if still away. goals' worker
    wakes her (its snoozes-end job, run here rather than waited for), and the page says so."""
    team = stack.new_team()
    bea_id, _ = stack.add_member(team, "Bea")
    with stack.goals_clock.shifted(days=-10):  # set while that day was still to come
        snoozed = stack.goals.call("PATCH", f"/v1/teams/{team.id}/members/{bea_id}", team.lead,
                                   json={"snoozed_until": days(-5)})
    assert snoozed.status_code == 200, snoozed.get_json()
    scheduled_job(stack.goals.container, "snoozes-end").run()
    session, _ = signed_in(stack, team.lead)

    bea = member_row(session.get(stack.web_url + "/team/members").text, bea_id)

    assert "<td>Active</td>" in bea, bea
    assert 'value="wake"' not in bea


def test_the_members_page_says_each_role_and_state_in_words(stack):
    """Each row said the API's names, lower case: "lead", "member", "active", "snoozed until
    …", as if read from a database."""
    team = stack.new_team()
    bea_id, _ = stack.add_member(team, "Bea")
    session, csrf = signed_in(stack, team.lead)
    snoozed = session.post(stack.web_url + f"/team/members/{bea_id}",
                           data={"csrf_token": csrf, "action": "snooze",
                                 "snoozed_until": "2099-12-31"})
    assert snoozed.status_code == 200, snoozed.status_code

    page = session.get(stack.web_url + "/team/members").text

    bea, lead = member_row(page, bea_id), member_row(page, team.lead_id)
    assert "<td>Member</td>" in bea
    assert "<td>Snoozed until Thu 31 Dec 2099" in bea
    assert "<td>Lead</td>" in lead
    assert "<td>Active</td>" in lead


def a_channel_added(stack, slack):
    """A new team, its lead's signed-in session and CSRF token, the Channels page answering the
    lead's adding a Slack channel through it, and that channel's id."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    added = session.post(stack.web_url + "/team/channels", data={
        "csrf_token": csrf, "type": "slack", "name": "#team-goals",
        "webhook_url": slack.webhook()})
    channel_id = re.search(r'<tr id="channel-([^"]+)">', added.text).group(1)
    return team, session, csrf, added, channel_id


def a_channel_disabled_meanwhile(stack, slack):
    """A team, its lead's signed-in session and CSRF token, and the id of the Slack channel
    they added through the Channels page, disabled since (through the API, as Slack's refusals
    would)."""
    team, session, csrf, added, channel_id = a_channel_added(stack, slack)
    disabled = stack.notifications.call("PATCH", f"/v1/teams/{team.id}/channels/{channel_id}",
                                        team.lead, json={"state": "disabled"})
    assert disabled.status_code == 200, disabled.get_json()
    return team, session, csrf, channel_id


def test_a_test_message_refused_for_a_channel_disabled_meanwhile_says_why_on_its_row(
        stack, slack):
    """The lead's page still offered "Send test message" on a channel disabled meanwhile (as
    Slack's refusals disable one); the refusal was said at the top of the Add a channel form,
    as if adding a channel had failed."""
    _, session, csrf, channel_id = a_channel_disabled_meanwhile(stack, slack)

    refused = session.post(stack.web_url + f"/team/channels/{channel_id}/test",
                           data={"csrf_token": csrf})

    assert refused.status_code == 409, refused.status_code
    page = refused.text
    row = page[page.index(f'<tr id="channel-{channel_id}">'):]
    row = row[:row.index("</tr>")]
    add_form = page[page.index("<h2>Add a channel</h2>"):]
    assert ('<p class="error" role="alert">No test message was sent: the channel is disabled; '
            'enable it before testing it.</p>') in row, row
    assert 'role="alert"' not in add_form


def test_a_lead_enables_a_disabled_channel_again_from_its_row(stack, slack):
    """A channel disabled by its receiver's refusals told the leads to "re-enable it (PATCH
    state=active)", and a test message on it to "enable it before testing it", but the
    channels page offered no way to: only the API could."""
    team, session, csrf, channel_id = a_channel_disabled_meanwhile(stack, slack)
    in_api = f"/v1/teams/{team.id}/channels/{channel_id}"
    page = session.get(stack.web_url + "/team/channels").text
    assert f'action="/team/channels/{channel_id}/enable"' in page

    enabled = session.post(stack.web_url + f"/team/channels/{channel_id}/enable",
                           data={"csrf_token": csrf})

    assert enabled.status_code == 200, enabled.status_code
    assert '<p class="notice" role="status">Channel enabled: messages go to it again.</p>' \
        in enabled.text
    row = enabled.text[enabled.text.index(f'<tr id="channel-{channel_id}">'):]
    assert "<td>Active</td>" in row[:row.index("</tr>")]
    assert f'action="/team/channels/{channel_id}/test"' in row[:row.index("</tr>")]
    assert stack.notifications.call("GET", in_api, team.lead).get_json()["state"] == "active"


def test_channels_and_their_deliveries_are_said_in_words(stack, slack):
    """The channels table said "slack" and "active", and the delivery log "sent: …" and each
    attempt's "sent": the notifications API's names."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    added = session.post(stack.web_url + "/team/channels", data={
        "csrf_token": csrf, "type": "slack", "name": "#team-goals",
        "webhook_url": slack.webhook()})
    assert added.status_code == 201, added.status_code
    channel_id = re.search(r'<tr id="channel-([^"]+)">', added.text).group(1)
    tested = session.post(stack.web_url + f"/team/channels/{channel_id}/test",
                          data={"csrf_token": csrf})
    assert tested.status_code == 202, tested.status_code

    row = re.search(rf'<tr id="channel-{channel_id}">.*?</tr>', tested.text, re.S).group(0)
    assert "<td>Slack incoming webhook</td><td>Active</td>" in row, row

    def answered():  # the log records Slack's answer just after Slack gave it
        log = session.get(stack.web_url + "/team/deliveries").text
        return log if "(HTTP 200)" in log else None

    log = eventually(answered, timeout=60)
    assert "<strong>Sent</strong>: " in log and ": sent (HTTP 200)" in log, log


def test_the_leads_own_row_offers_no_invite_link_and_snoozes_them_as_themselves(stack):
    """The lead's own row offered "Invite link for Lena", a link to sign in as the person
    already signed in, and "Snooze Lena until", as if Lena were someone else."""
    team = stack.new_team(lead_name="Lena")
    bea_id, _ = stack.add_member(team, "Bea")
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + "/team/members").text

    lead, bea = member_row(page, team.lead_id), member_row(page, bea_id)
    assert "Invite link for" not in lead
    assert f'<label for="snooze-{team.lead_id}">Snooze yourself until</label>' in lead
    assert "Invite link for Bea" in bea
    assert f'<label for="snooze-{bea_id}">Snooze Bea until</label>' in bea


def test_adding_a_member_says_what_the_invite_link_and_the_api_token_are_for(stack):
    """It showed "One-time invite link for Noor" and "Or give Noor an API token" without
    saying which one Noor needs, or what the other is for."""
    team = stack.new_team(lead_name="Lena")
    session, csrf = signed_in(stack, team.lead)

    added = session.post(stack.web_url + "/team/members", data={
        "csrf_token": csrf, "name": "Noor", "email": "noor@example.com",
        "timezone": "UTC", "role": "member"})

    assert added.status_code == 201, added.status_code
    assert re.search(r'<label for="invite-link">Invite link for Noor: send it to them to sign '
                     r'in to Goalkeeper in their browser\. It works once, until [^<]+\.</label>',
                     added.text)
    assert ("<summary>API token for Noor, for scripts and tools that call the API "
            "(shown only now)</summary>") in added.text


INVITE_LINK = re.compile(r'<input id="invite-link" type="text" readonly value="([^"]+)">')


def noors_id(stack, team) -> str:
    """Noor's member id; Noor is in the team once."""
    members = stack.goals.call("GET", f"/v1/teams/{team.id}/members", team.lead).get_json()
    [noor] = [m["id"] for m in members["items"] if m["email"] == "noor@example.com"]
    return noor


def noors_unused_invites(stack, team) -> list[str]:
    """The ids of the invites to Noor not used yet."""
    return [i.id for i in unused_invites(stack, noors_id(stack, team))]


def unused_invites(stack, member_id: str) -> list:
    """The member's invites not used yet."""
    with stack.goals.container.uow() as uow:
        return uow.invites.unused_of(member_id, stack.goals_clock.now())


def the_invite_shown(page: str) -> str:
    """The hash of the code in the invite link `page` shows, as goals stores it: which invite
    the page names."""
    return code_hash(INVITE_LINK.search(page)[1].rstrip("/").rsplit("/", 1)[1])


def test_the_add_member_form_sent_twice_shows_the_new_members_link_and_token_both_times(stack):
    """A double-clicked "Add member" answered the second time 409 "Already a member of this
    team", and the invite link and API token shown only once were lost with the first page.
    The form carries a key; sent twice, both answers show Noor's link and a token for Noor
    (signed again for the second answer: its expiry may fall a second later, so the strings
    may differ). Each answer made an invite of its own (two links signing in as Noor, the first
    never shown): now the form makes one, and both answers show its link."""
    team = stack.new_team(lead_name="Lena")
    session, csrf = signed_in(stack, team.lead)
    page = session.get(stack.web_url + "/team/members").text
    form = hidden_fields(page[page.index("<h2>Add a member</h2>"):])
    data = {**form, "csrf_token": csrf, "name": "Noor", "email": "noor@example.com",
            "timezone": "UTC", "role": "member"}

    first, again = (session.post(stack.web_url + "/team/members", data=data) for _ in range(2))

    assert (first.status_code, again.status_code) == (201, 201), again.text
    token = re.compile(r'<input id="new-token" type="text" readonly value="([^"]+)">')
    tokens = token.search(first.text)[1], token.search(again.text)[1]
    noor = noors_id(stack, team)
    assert [stack.goals.call("GET", f"/v1/teams/{team.id}/members/{noor}", t).status_code
            for t in tokens] == [200, 200]
    signed = [stack.goals.container.tokens.verify(t) for t in tokens]
    assert [(p.member_id, p.token_version) for p in signed] == [(noor, 1), (noor, 1)]
    assert re.search(r'<label for="invite-link">Invite link for Noor', again.text)
    assert INVITE_LINK.search(again.text)[1] == INVITE_LINK.search(first.text)[1]
    assert len(noors_unused_invites(stack, team)) == 1
    assert [i.code_hash for i in unused_invites(stack, noors_id(stack, team))] == [
        the_invite_shown(again.text)]  # the one shown, not another made and the first cancelled


def test_an_add_member_form_with_the_longest_key_goals_takes_shows_the_invite_link(stack):
    """The invite's key is made from the form's: a form key as long as goals takes (255) added
    Noor, then answered "That request could not be used" (422) when the key made from it was
    too long for goals' invite request. Sent twice, it shows the one link both times."""
    team = stack.new_team(lead_name="Lena")
    session, csrf = signed_in(stack, team.lead)
    data = {"csrf_token": csrf, "idempotency_key": "k" * 255, "name": "Noor",
            "email": "noor@example.com", "timezone": "UTC", "role": "member"}

    first, again = (session.post(stack.web_url + "/team/members", data=data) for _ in range(2))

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert INVITE_LINK.search(again.text)[1] == INVITE_LINK.search(first.text)[1]
    assert len(noors_unused_invites(stack, team)) == 1
    assert [i.code_hash for i in unused_invites(stack, noors_id(stack, team))] == [
        the_invite_shown(again.text)]  # the one shown, not another made and the first cancelled


def test_an_add_member_form_sent_twice_at_once_makes_one_invite_link(stack):
    """A double click on Add member whose two copies reach the web app at once: Noor is added
    once, one invite is made, and both answers show its link."""
    team = stack.new_team(lead_name="Lena")
    clicks = [signed_in(stack, team.lead) for _ in range(2)]
    key = str(uuid.uuid4())

    def add(click):
        session, csrf = click
        return session.post(stack.web_url + "/team/members", data={
            "csrf_token": csrf, "idempotency_key": key, "name": "Noor",
            "email": "noor@example.com", "timezone": "UTC", "role": "member"})

    with ThreadPoolExecutor(2) as pool:
        first, again = pool.map(add, clicks)

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert len(noors_unused_invites(stack, team)) == 1
    assert [i.code_hash for i in unused_invites(stack, noors_id(stack, team))] == [
        the_invite_shown(again.text)]  # the one shown, not another made and the first cancelled
    assert INVITE_LINK.search(again.text)[1] == INVITE_LINK.search(first.text)[1]


def test_a_members_invite_link_button_clicked_twice_makes_one_link(stack):
    """The Invite link button of a member's row, double-clicked: each click made an invite of
    its own, two links signing in as Max, the first never shown. The button's form carries a
    key: sent twice, one invite, its link on both answers."""
    team = stack.new_team(lead_name="Lena")
    max_id, _ = stack.add_member(team, "Max")
    session, csrf = signed_in(stack, team.lead)
    form = invite_button_form(stack, session, max_id)

    first, again = (session.post(stack.web_url + f"/team/members/{max_id}/invite",
                                 data={**form, "csrf_token": csrf}) for _ in range(2))

    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert INVITE_LINK.search(again.text)[1] == INVITE_LINK.search(first.text)[1]
    with stack.goals.container.uow() as uow:
        assert len(uow.invites.unused_of(max_id, stack.goals_clock.now())) == 1
    assert [i.code_hash for i in unused_invites(stack, max_id)] == [the_invite_shown(again.text)]


def test_the_add_member_form_sent_again_with_other_values_says_the_first_was_added(stack):
    """The form's key sent again with another address (the first save timed out, the lead
    changed a value): it says the first member was added and the form can be sent again."""
    team = stack.new_team(lead_name="Lena")
    session, csrf = signed_in(stack, team.lead)
    data = {"csrf_token": csrf, "idempotency_key": str(uuid.uuid4()), "name": "Noor",
            "email": "noor@example.com", "timezone": "UTC", "role": "member"}
    assert session.post(stack.web_url + "/team/members", data=data).status_code == 201

    again = session.post(stack.web_url + "/team/members", data={**data, "name": "Mia",
                                                                "email": "mia@example.com"})

    assert again.status_code == 422, again.status_code
    assert "that member was added: they are in the list above" in again.text
    form = again.text[again.text.index("<h2>Add a member</h2>"):]
    assert hidden_fields(form)["idempotency_key"] != data["idempotency_key"]
    assert 'value="mia@example.com"' in form


DELIVERY = re.compile(r'<li id="delivery-([^"]+)">')


def test_the_delivery_log_goes_on_past_its_newest_50_deliveries(stack, slack):
    """The log showed the newest 50 deliveries and no way to the older ones, nor a word that
    there were more. Now "Older deliveries" goes on from where the page ends."""
    team = stack.new_team()
    base = f"/v1/teams/{team.id}/channels"
    added = stack.notifications.call("POST", base, team.lead, json={
        "type": "slack", "name": "#team-goals", "webhook_url": slack.webhook()})
    assert added.status_code == 201, added.get_json()
    for _ in range(51):
        tested = stack.notifications.call("POST", f"{base}/{added.get_json()['id']}/test",
                                          team.lead)
        assert tested.status_code == 202, tested.get_json()
    logged = stack.notifications.call("GET", f"/v1/teams/{team.id}/deliveries?limit=100",
                                      team.lead).get_json()["items"]
    session, _ = signed_in(stack, team.lead)

    newest = session.get(stack.web_url + "/team/deliveries").text
    older_link = re.search(r'<a href="([^"]+)" rel="next">Older deliveries</a>', newest)
    assert older_link, newest
    older = session.get(stack.web_url + html.unescape(older_link.group(1))).text

    assert DELIVERY.findall(newest) + DELIVERY.findall(older) == [
        d["notification"]["id"] for d in logged]
    assert len(DELIVERY.findall(older)) == 1 and "Older deliveries" not in older
    assert '<a href="/team/deliveries">Newest deliveries</a>' in older


def test_a_refused_change_on_a_members_row_ends_its_sentence_once():
    """A row's refusal that named no field ended the API's reason with a full stop whatever it
    ended with: "…still on the team?." or "…at once!.". It adds one only when the reason does
    not already end a sentence (. ? ! …)."""
    reasons = ["the member has left the team", "the member has left the team.",
               "Is Max still on the team?", "Max was removed at once!", "Max was…"]

    said = [team_forms.change_errors(FormErrors(reason, status=409)) for reason in reasons]

    assert said == [["the member has left the team."], ["the member has left the team."],
                    ["Is Max still on the team?"], ["Max was removed at once!"], ["Max was…"]]
    assert team_forms.change_errors(FormErrors("x", {"role": ["Must be one of: member, lead."]})
                                    ) == ["Must be one of: member, lead."]
