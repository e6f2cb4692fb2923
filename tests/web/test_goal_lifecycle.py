"""Moving a goal on from its page (a draft activated), over HTTP as a browser without JavaScript
posts, against the real stack."""

from __future__ import annotations

import re

from tests.web.over_http import metric_goal, signed_in


def test_a_draft_started_from_a_template_can_be_activated_on_its_page(stack):
    """'Start a draft from this template' led to a draft goal page that said only active goals
    take check-ins and offered no way to activate it (the web app never called /activate)."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    new = session.get(stack.web_url + "/goals/new").text
    action = re.search(r'action="(/goals/templates/[^"]*informational[^"]*)"', new).group(1)
    answer = session.post(stack.web_url + action, data={"csrf_token": csrf, "n": "4"})
    assert "Status: draft" in answer.text, answer.status_code

    activate = re.search(r'action="([^"]*/activate)"', answer.text)
    assert activate, "no way to activate the draft"
    activated = session.post(stack.web_url + activate.group(1), data={"csrf_token": csrf})

    assert activated.status_code == 200, activated.status_code
    assert "Status: active" in activated.text and 'id="checkin-form"' in activated.text
    assert 'id="activate-form"' not in activated.text


def test_a_refused_activation_says_why_on_the_goal_page(stack):
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)  # active already
    session, csrf = signed_in(stack, team.lead)

    answer = session.post(stack.web_url + f"/goals/{goal['id']}/activate",
                          data={"csrf_token": csrf})

    assert answer.status_code == 422, answer.status_code
    assert "Not activated:" in answer.text and "Grow the revenue" in answer.text
