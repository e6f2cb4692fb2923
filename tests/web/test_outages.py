"""Forms sent while the goals service is down (adding a member, emailing a sign-in link, team
settings) come back as typed, saying nothing was saved, as the goal page's forms do."""

from __future__ import annotations

import html
import re

from tests.web.over_http import service_stopped

GOALS_DOWN = "The goals service is unavailable, so nothing was saved"


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
    before = stack.goals.call("GET", f"/v1/teams/{team.id}", team.lead).get_json()
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + "/team/settings", data={
            "csrf_token": csrf, "require_smart": "on", "frequency": "weekly", "weekday": "2",
            "time": "08:30", "digest_enabled": "on", "digest_weekday": "4", "digest_hour": "16"})

    assert answer.status_code == 503, answer.status_code
    assert f"{GOALS_DOWN}: the settings were not saved." in answer.text
    for typed in ('value="weekly" selected', 'value="2" selected', 'value="08:30"',
                  'value="4" selected', 'value="16"'):
        assert typed in answer.text, typed
    assert re.search(r'name="require_smart" checked', answer.text)
    after = stack.goals.call("GET", f"/v1/teams/{team.id}", team.lead).get_json()
    assert (after["require_smart"], after.get("default_cadence")) == (
        before["require_smart"], before.get("default_cadence"))
