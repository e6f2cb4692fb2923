"""Editing a goal from its page (title, description, due date, metric target), over HTTP as a
browser without JavaScript posts, against the real stack."""

from __future__ import annotations

import html
import re

from tests.web.over_http import days, hidden_fields, metric_goal, service_stopped, signed_in


def edit_form(page: str) -> str | None:
    """The Edit goal form of a page, or None when it offers none."""
    found = re.search(r'<form id="edit-form".*?</form>', page, re.S)
    return found.group(0) if found else None


def api_goal(stack, token: str, goal_id: str) -> dict:
    return stack.goals.call("GET", f"/v1/goals/{goal_id}", token).get_json()


def edited(form: str, csrf: str, **typed: str) -> dict[str, str]:
    """What a browser posts: the form's hidden fields and its fields as drawn, `typed` over them."""
    drawn = dict(re.findall(r'<input id="f-edit-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"',
                            form))
    drawn["description"] = html.unescape(
        re.search(r'name="description"[^>]*>([^<]*)</textarea>', form).group(1))
    return {**hidden_fields(form), **drawn, "csrf_token": csrf, **typed}


def test_an_owner_edits_a_goals_title_description_due_date_and_target_on_its_page(stack):
    """The goal page could not change a goal: a typo in its title stayed for good."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    form = edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    assert form is not None, "no Edit goal form"

    saved = session.post(stack.web_url + f"/goals/{goal['id']}/edit", data=edited(
        form, csrf, title="Grow the revenue twice", description="Both shops\r\ncount",
        due_date=days(40), metric_target="250"))

    assert saved.status_code == 200, saved.status_code
    assert "<h1>Grow the revenue twice</h1>" in saved.text and "Both shops" in saved.text
    in_api = api_goal(stack, team.lead, goal["id"])
    assert (in_api["title"], in_api["description"], in_api["due_date"],
            in_api["metric"]["target"], in_api["metric"]["unit"]) == (
        "Grow the revenue twice", "Both shops\ncount", days(40), 250, "EUR")


def test_the_edit_form_is_offered_to_whom_goals_lets_edit_and_not_a_closed_goals_target(stack):
    """A teammate who may not change the goal gets no form; a lead does, on anyone's goal; a
    closed goal's form has no target (goals keeps a closed goal's plan and metric)."""
    team = stack.new_team()
    _, owner = stack.add_member(team, "Olga")
    _, teammate = stack.add_member(team, "Max")
    goal = metric_goal(stack, owner)
    closed = metric_goal(stack, owner)
    stack.goals.call("POST", f"/v1/goals/{closed['id']}/close", owner,
                     json={"outcome": "dropped", "retrospective": "Not now"})

    as_teammate = signed_in(stack, teammate)[0].get(stack.web_url + f"/goals/{goal['id']}").text
    as_lead = signed_in(stack, team.lead)[0].get(stack.web_url + f"/goals/{goal['id']}").text
    as_owner = signed_in(stack, owner)[0].get(stack.web_url + f"/goals/{closed['id']}").text

    assert "Grow the revenue" in as_teammate and edit_form(as_teammate) is None
    assert 'name="metric_target"' in edit_form(as_lead)
    assert 'name="title"' in edit_form(as_owner) and "metric_target" not in edit_form(as_owner)


def test_an_edit_of_a_goal_changed_since_the_page_was_opened_says_so_and_keeps_the_text(stack):
    """The goals API refuses a stale If-Match (412); the page must not overwrite the other
    change unseen, nor lose what was typed."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    form = edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    etag = stack.goals.call("GET", f"/v1/goals/{goal['id']}", team.lead).headers["ETag"]
    renamed = stack.goals.call("PATCH", f"/v1/goals/{goal['id']}", team.lead,
                               json={"title": "Renamed meanwhile"}, headers={"If-Match": etag})
    assert renamed.status_code == 200, renamed.get_json()

    stale = session.post(stack.web_url + f"/goals/{goal['id']}/edit",
                         data=edited(form, csrf, title="Typed over the old one"))

    assert stale.status_code == 409, stale.status_code
    assert "this goal was changed since you opened it" in stale.text
    assert "<h1>Renamed meanwhile</h1>" in stale.text
    again = edit_form(stale.text)
    assert 'value="Typed over the old one"' in again
    assert api_goal(stack, team.lead, goal["id"])["title"] == "Renamed meanwhile"

    resent = session.post(stack.web_url + f"/goals/{goal['id']}/edit", data=edited(again, csrf))

    assert resent.status_code == 200, resent.status_code
    assert api_goal(stack, team.lead, goal["id"])["title"] == "Typed over the old one"


def test_a_refused_edit_says_why_beside_the_field_and_keeps_what_was_typed(stack):
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)  # started 10 days ago
    session, csrf = signed_in(stack, team.lead)
    form = edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)

    not_a_number = session.post(stack.web_url + f"/goals/{goal['id']}/edit", data=edited(
        form, csrf, title="Kept as typed", metric_target="lots"))
    too_early = session.post(stack.web_url + f"/goals/{goal['id']}/edit", data=edited(
        form, csrf, title="Kept as typed", due_date=days(-20)))

    assert (not_a_number.status_code, too_early.status_code) == (422, 422)
    target = beside(edit_form(not_a_number.text), "metric_target")
    assert "Not a valid number." in target and 'value="lots"' in target
    due = beside(edit_form(too_early.text), "due_date")
    assert "Must be after the start date" in due and f'value="{days(-20)}"' in due
    assert 'value="Kept as typed"' in edit_form(not_a_number.text) + edit_form(too_early.text)
    assert api_goal(stack, team.lead, goal["id"])["title"] == "Grow the revenue"


def beside(form: str, name: str) -> str:
    """The field `name` of the Edit goal form, with what is said beside it."""
    return re.search(rf'<label for="f-edit-{name}">.*?</label>', form, re.S).group(0)


def test_an_edit_sent_while_goals_is_down_answers_503_and_keeps_what_was_typed(stack, tmp_path):
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    form = edit_form(signed_in(stack, team.lead)[0].get(stack.web_url + f"/goals/{goal['id']}")
                     .text)
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + f"/goals/{goal['id']}/edit",
                              data=edited(form, csrf, title="Typed in an outage"))

    assert answer.status_code == 503, answer.status_code
    assert ("The goals service is unavailable, so nothing was saved: the goal was not changed."
            in answer.text)
    assert 'value="Typed in an outage"' in edit_form(answer.text)
    assert api_goal(stack, team.lead, goal["id"])["title"] == "Grow the revenue"
