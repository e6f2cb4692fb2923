"""Comments on a check-in, posted over HTTP as a browser without JavaScript sends them, against
the real stack."""

from __future__ import annotations

import re

from tests.web.over_http import metric_goal, signed_in


def test_a_refused_comment_without_javascript_says_why(stack):
    """Every form works without JavaScript (README); a refused comment was silently dropped
    (a redirect to the goal page, without the error or the text)."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    session, csrf = signed_in(stack, team.lead)
    too_long = "A long review of this check-in. " * 70  # 2240 characters, the API takes 2000

    answer = session.post(
        stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments",
        data={"csrf_token": csrf, "text": too_long})

    assert "between 1 and 2000" in answer.text, (answer.status_code, answer.url)
    assert answer.status_code == 422 and "<h1>Comments</h1>" in answer.text
    assert f'value="{too_long.strip()}"' in answer.text  # what was typed, to shorten


def test_a_comment_without_javascript_returns_to_the_check_in(stack):
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    session, csrf = signed_in(stack, team.lead)

    answer = session.post(
        stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments",
        data={"csrf_token": csrf, "text": "Well done"}, allow_redirects=False)

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/goals/{goal['id']}#c-{checkin['id']}")


def test_each_comment_says_who_wrote_it(stack):
    """The comments read "Sun 06 Dec 2026, 00:35: Nice", without who said it."""
    team = stack.new_team(lead_name="Lena")
    _, ben = stack.add_member(team, "Ben")
    goal = metric_goal(stack, ben)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", ben,
                                  json={"value": 4}).get_json()
    stack.checkins.call("POST", f"/v1/checkins/{checkin['id']}/comments", team.lead,
                        json={"text": "Nice pace"})
    session, _ = signed_in(stack, ben)

    page = session.get(stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments")

    assert re.search(r"<strong>Lena</strong>, <time[^>]*>[^<]*</time>: Nice pace", page.text)
