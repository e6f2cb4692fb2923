"""The check-in form, posted over HTTP as a browser without JavaScript (or htmx) sends it, against
the real stack."""

from __future__ import annotations

import re

from selenium.webdriver.common.by import By

from tests.web.over_http import closed_in_checkins, hidden_fields, metric_goal, signed_in

KEY = re.compile(r'<input type="hidden" name="idempotency_key" value="([^"]+)"')


def checkin_form(page: str) -> str:
    return re.search(r'<form id="checkin-form".*?</form>', page, re.S).group(0)


def test_a_double_submitted_check_in_is_logged_once(stack):
    """The view read an `idempotency_key` field the check-in form never rendered, so a double
    click (or a retry after a timed-out save) logged twice."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    form = checkin_form(page)
    fields = hidden_fields(form)
    fields.update(value="40", note="Halfway")

    for _ in range(2):  # the same form, submitted twice
        session.post(stack.web_url + f"/goals/{goal['id']}/checkins", data=fields)

    logged = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins",
                                 team.lead).get_json()["items"]
    assert len(logged) == 1, [c["note"] for c in logged]


def test_a_refused_check_in_keeps_its_key_and_a_saved_one_gets_a_new_key(stack):
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    url = stack.web_url + f"/goals/{goal['id']}/checkins"
    key = KEY.search(checkin_form(session.get(stack.web_url + f"/goals/{goal['id']}").text))[1]

    refused = session.post(url, headers={"HX-Request": "true"},
                           data={"csrf_token": csrf, "idempotency_key": key, "value": "lots"})
    saved = session.post(url, headers={"HX-Request": "true"},
                         data={"csrf_token": csrf, "idempotency_key": key, "value": "12"})

    assert refused.status_code == 422 and KEY.search(refused.text)[1] == key
    assert saved.status_code == 200 and "Check-in saved" in saved.text
    assert KEY.search(saved.text)[1] != key  # the next check-in is a new one


def test_a_teammate_is_offered_the_check_in_form_only_where_they_may_check_in(stack):
    """Every active goal's page offered the form, though only the owner checks in on a
    personal goal (anyone on a team goal)."""
    team = stack.new_team(lead_name="Lena")
    personal = metric_goal(stack, team.lead)
    shared = stack.create_goal(team.lead, title="Ship it together", kind="team")
    _, max_token = stack.add_member(team, "Max")
    session, _ = signed_in(stack, max_token)

    on_personal = session.get(stack.web_url + f"/goals/{personal['id']}").text
    on_shared = session.get(stack.web_url + f"/goals/{shared['id']}").text

    assert 'id="checkin-form"' not in on_personal
    assert "Only Lena checks in on this goal." in on_personal
    assert 'id="checkin-form"' in on_shared


def test_a_teammate_refused_a_check_in_keeps_the_form_and_what_they_typed(stack):
    """A teammate's check-in on a personal goal got the 403 page, swapped over the whole <main>
    by htmx (HX-Retarget), and the note they typed was gone."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    _, max_token = stack.add_member(team, "Max")
    session, csrf = signed_in(stack, max_token)

    answer = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                          headers={"HX-Request": "true"},
                          data={"csrf_token": csrf, "value": "12", "note": "Helped Lena today"})

    assert 'id="checkin-form"' in answer.text and "Helped Lena today" in answer.text, \
        (answer.status_code, answer.headers.get("HX-Retarget"),
         re.search(r"<h1>([^<]*)</h1>", answer.text).group(1))
    assert answer.status_code == 403 and "HX-Retarget" not in answer.headers
    assert "only the owner checks in on a personal goal" in answer.text


def test_a_teammate_refused_a_check_in_without_javascript_keeps_what_they_typed(stack):
    """Without htmx the refusal is the goal page, with the form, the reason and the note."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    _, max_token = stack.add_member(team, "Max")
    session, csrf = signed_in(stack, max_token)

    answer = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                          data={"csrf_token": csrf, "value": "12", "note": "Helped Lena today"})

    assert answer.status_code == 403 and "<h1>Grow the revenue</h1>" in answer.text
    assert 'id="checkin-form"' in answer.text and "Helped Lena today" in answer.text
    assert "only the owner checks in on a personal goal" in answer.text


def test_a_check_in_on_a_goal_closed_meanwhile_says_why_on_its_page_without_javascript(stack):
    """The goal page came back with "Only active goals take check-ins." in place of its form
    and nothing of the check-in just sent: it did not say that it was not saved, nor why, as
    htmx's swapped form and My week say."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    form = checkin_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    closed_in_checkins(stack, team.lead, team.id, goal, "Plans changed")

    refused = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                           data={**hidden_fields(form), "csrf_token": csrf, "value": "40"})

    assert refused.status_code == 409, refused.status_code
    assert "<h1>Grow the revenue</h1>" in refused.text
    assert re.search(r'<p class="error" role="alert">\s*Your check-in was not saved: goal '
                     r'“Grow the revenue” is closed as dropped; only active goals take '
                     r'check-ins\.\s*</p>', refused.text)


def figure_fields(form: str) -> list[str]:
    """The names of a check-in form's figure fields (value, delta) as drawn."""
    return re.findall(r'<input[^>]* name="(value|delta)"', form)


def test_a_goal_without_a_metric_asks_for_no_figure_and_a_metric_goal_names_its_unit(stack):
    """The form asked every goal for a "New value" or a change: on a goal without a metric the
    figure typed was listed with the check-in ("value 50") and moved nothing, its progress
    still 0%; and a metric goal's field did not say its unit, as My week's and Slack's do."""
    team = stack.new_team()
    measured = metric_goal(stack, team.lead)
    unmeasured = stack.create_goal(team.lead, title="Write the onboarding guide")
    session, csrf = signed_in(stack, team.lead)

    metric_form = checkin_form(session.get(f"{stack.web_url}/goals/{measured['id']}").text)
    plain_form = checkin_form(session.get(f"{stack.web_url}/goals/{unmeasured['id']}").text)
    saved = session.post(f"{stack.web_url}/goals/{unmeasured['id']}/checkins",
                         headers={"HX-Request": "true"},
                         data={**hidden_fields(plain_form), "note": "Outline done"})

    assert re.search(r'New value \(EUR\)\s*<input', metric_form)
    assert figure_fields(metric_form) == ["value", "delta"]
    assert figure_fields(plain_form) == [] and 'name="note"' in plain_form
    assert saved.status_code == 200 and "Check-in saved" in saved.text
    assert figure_fields(saved.text) == [] and 'name="note"' in saved.text


def test_a_note_a_blocker_or_a_comment_stops_at_the_length_checkins_takes(stack, page):
    """The check-in's note and blockers (4,000 characters) and a comment (2,000) took any
    length and came back refused ("Longer than maximum length 4000.") after the round trip,
    where every other form's text field stops at its API's limit."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    page.sign_in(team.lead)

    page.open(f"/goals/{goal['id']}")
    for field_id in ("f-note", "f-blockers"):
        page.fill(field_id, "n" * 4010)
    typed = [len(page.driver.find_element(By.ID, f).get_attribute("value"))
             for f in ("f-note", "f-blockers")]
    page.open(f"/goals/{goal['id']}/checkins/{checkin['id']}/comments")
    page.fill(f"comment-{checkin['id']}", "c" * 2010)
    comment = page.driver.find_element(By.ID, f"comment-{checkin['id']}").get_attribute("value")

    assert typed == [4000, 4000] and len(comment) == 2000
