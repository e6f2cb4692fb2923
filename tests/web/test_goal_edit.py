"""Editing a goal from its page (title, description, due date, metric target), over HTTP as a
browser without JavaScript posts, against the real stack."""

from __future__ import annotations

import html
import re

from tests.web.over_http import (
    api_goal,
    checked_in_since,
    days,
    hidden_fields,
    metric_goal,
    service_stopped,
    signed_in,
)


def edit_form(page: str) -> str | None:
    """The Edit goal form of a page, or None when it offers none."""
    found = re.search(r'<form id="edit-form".*?</form>', page, re.S)
    return found.group(0) if found else None


def edited(form: str, csrf: str, **typed: str) -> dict[str, str]:
    """What a browser posts: the form's hidden fields (a line break as CRLF) and its fields as
    drawn, `typed` over them."""
    drawn = dict(re.findall(r'<input id="f-edit-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"',
                            form))
    drawn["description"] = html.unescape(
        re.search(r'name="description"[^>]*>([^<]*)</textarea>', form).group(1))
    hidden = {name: value.replace("\n", "\r\n") for name, value in hidden_fields(form).items()}
    return {**hidden, **drawn, "csrf_token": csrf, **typed}


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


def test_an_achieved_goals_edit_form_offers_no_target_and_says_to_reopen_it_first(stack):
    """Goals keeps an achieved goal's metric until it is reopened (409), yet its Edit goal
    form offered the target. It offers the title, description and due date, says why the
    target is not there (as a closed goal's form does), and saves a new title."""
    team = stack.new_team()
    _, owner = stack.add_member(team, "Olga")
    achieved, dropped = metric_goal(stack, owner), metric_goal(stack, owner)
    stack.goals.call("POST", f"/v1/goals/{achieved['id']}/achieve", owner)
    stack.goals.call("POST", f"/v1/goals/{dropped['id']}/close", owner,
                     json={"outcome": "dropped", "retrospective": "Not now"})
    session, csrf = signed_in(stack, owner)
    forms = [edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
             for goal in (achieved, dropped)]

    assert ["metric_target" in form for form in forms] == [False, False], forms
    assert "This goal is achieved; reopen it before changing its target." in forms[0]
    assert "This goal is closed as dropped; reopen it before changing its target." in forms[1]
    saved = session.post(stack.web_url + f"/goals/{achieved['id']}/edit",
                         data=edited(forms[0], csrf, title="Grew the revenue"))
    assert saved.url.endswith(f"/goals/{achieved['id']}"), saved.status_code
    in_api = api_goal(stack, owner, achieved["id"])
    assert (in_api["title"], in_api["status"]) == ("Grew the revenue", "achieved")


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


def test_an_edit_whose_version_is_not_a_number_is_saved_as_a_stale_one_is(stack):
    """The form's hidden version goes to goals in If-Match: a crafted one outside ASCII was a
    500, one with a line break a 503 'did not answer'. It is a form drawn from no known
    version: saved, as a stale form is, when nothing it edits changed since."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    page = stack.web_url + f"/goals/{goal['id']}"
    titles, answers = [], []
    for n, version in enumerate(("\u202e", "1\r\nX-Evil: 1", "\u0663")):
        form = edit_form(session.get(page).text)  # drawn from the goal as the last one left it
        answers.append(session.post(page + "/edit", data=edited(
            form, csrf, title=f"Renamed {n}", version=version)))
        titles.append(api_goal(stack, team.lead, goal["id"])["title"])

    assert [a.status_code for a in answers] == [200] * 3, [a.text[:300] for a in answers]
    assert titles == ["Renamed 0", "Renamed 1", "Renamed 2"]


def patched(stack, token: str, goal_id: str, **fields) -> None:
    """The goal changed through the goals API, at its version now."""
    etag = stack.goals.call("GET", f"/v1/goals/{goal_id}", token).headers["ETag"]
    changed = stack.goals.call("PATCH", f"/v1/goals/{goal_id}", token, json=fields,
                               headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()


def test_an_edit_saves_although_a_check_in_came_since_the_form_was_opened(stack):
    """A check-in moves the goal's version, so the form drawn before it was refused as
    "changed since you opened it" although nobody had touched what it edits."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    patched(stack, team.lead, goal["id"], description="Both shops\ncount")
    session, csrf = signed_in(stack, team.lead)
    form = edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    checked_in_since(stack, team.lead, goal, 40)

    saved = session.post(stack.web_url + f"/goals/{goal['id']}/edit",
                         data=edited(form, csrf, title="Grow the revenue twice"))

    assert saved.status_code == 200, saved.status_code
    assert "<h1>Grow the revenue twice</h1>" in saved.text
    assert "changed since you opened it" not in saved.text
    in_api = api_goal(stack, team.lead, goal["id"])
    assert (in_api["title"], in_api["description"], in_api["metric"]["current"],
            in_api["metric"]["target"]) == ("Grow the revenue twice", "Both shops\ncount", 40, 100)


def test_an_edit_after_a_check_in_and_a_change_to_another_field_it_shows_is_not_saved(stack):
    """Only a change to something the form edits stops it: here the due date, changed by the
    lead while the owner typed a new title, would be put back by the owner's form."""
    team = stack.new_team()
    _, owner = stack.add_member(team, "Olga")
    goal = metric_goal(stack, owner)
    session, csrf = signed_in(stack, owner)
    form = edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    checked_in_since(stack, owner, goal, 40)
    patched(stack, team.lead, goal["id"], due_date=days(30))

    stale = session.post(stack.web_url + f"/goals/{goal['id']}/edit",
                         data=edited(form, csrf, title="Typed over the old one"))

    assert stale.status_code == 409, stale.status_code
    assert "this goal was changed since you opened it" in stale.text
    in_api = api_goal(stack, owner, goal["id"])
    assert (in_api["title"], in_api["due_date"]) == ("Grow the revenue", days(30))
    assert f'value="{days(30)}"' in edit_form(stale.text)


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


def test_an_edit_a_smart_team_refuses_says_what_is_missing_in_words(stack):
    """Beside the title the refusal said "specific: Too short: …", the goals API's key."""
    team = stack.new_team(require_smart=True)
    goal = stack.create_goal(team.lead, title="Grow the revenue", why="Runway",
                             start_date=days(-10), due_date=days(20),
                             metric={"unit": "EUR", "start": 0, "target": 100, "current": 0})
    session, csrf = signed_in(stack, team.lead)
    form = edit_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)

    refused = session.post(stack.web_url + f"/goals/{goal['id']}/edit",
                           data=edited(form, csrf, title="Grow"))

    assert refused.status_code == 422, refused.status_code
    assert "Not yet specific. Too short" in beside(edit_form(refused.text), "title")
    assert "specific: Too short" not in refused.text
    assert api_goal(stack, team.lead, goal["id"])["title"] == "Grow the revenue"
