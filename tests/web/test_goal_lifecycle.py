"""Moving a goal on from its page (a draft activated, an active goal achieved or closed, a closed
or achieved one reopened) and its milestones, over HTTP as a browser without JavaScript posts,
against the real stack."""

from __future__ import annotations

import html
import re

from selenium.webdriver.common.by import By

from services.web.service_layer import lifecycle_form_handlers as lifecycle_forms
from tests.support.waiting import eventually
from tests.web.over_http import (
    api_goal,
    badges,
    days,
    hidden_fields,
    metric_goal,
    service_stopped,
    signed_in,
)


def test_a_draft_started_from_a_template_can_be_activated_on_its_page(stack):
    """'Start a draft from this template' led to a draft goal page that said only active goals
    take check-ins and offered no way to activate it (the web app never called /activate)."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    new = session.get(stack.web_url + "/goals/new").text
    action = re.search(r'action="(/goals/templates/[^"]*informational[^"]*)"', new).group(1)
    answer = session.post(stack.web_url + action, data={"csrf_token": csrf, "n": "4"})
    assert "Status: Draft" in answer.text, answer.status_code

    activate = re.search(r'action="([^"]*/activate)"', answer.text)
    assert activate, "no way to activate the draft"
    activated = session.post(stack.web_url + activate.group(1), data={"csrf_token": csrf})

    assert activated.status_code == 200, activated.status_code
    assert "Status: Active" in activated.text and 'id="checkin-form"' in activated.text
    assert 'id="activate-form"' not in activated.text


def test_a_refused_activation_says_why_on_the_goal_page_with_the_apis_409(stack):
    """Activating a goal that is achieved conflicts with its state: the goals API's 409 is the
    page's status too (the web app answered every refusal with 422)."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    achieved = stack.goals.call("POST", f"/v1/goals/{goal['id']}/achieve", team.lead)
    assert achieved.status_code == 200, achieved.get_json()
    session, csrf = signed_in(stack, team.lead)

    answer = session.post(stack.web_url + f"/goals/{goal['id']}/activate",
                          data={"csrf_token": csrf})

    assert answer.status_code == 409, answer.status_code
    assert ("Not activated: only a draft goal can be activated; this one is achieved"
            in answer.text and "Grow the revenue" in answer.text)


# -- achieve, close, reopen ---------------------------------------------------------------------
def action(page: str, ending: str) -> str | None:
    """The action of the page's form (or link) whose URL ends with `ending`."""
    found = re.search(rf'(?:action|href)="([^"]*{re.escape(ending)})"', page)
    return found.group(1) if found else None


def test_an_active_goal_is_marked_achieved_from_its_page(stack):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Ship the export")
    session, csrf = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text

    achieved = session.post(stack.web_url + action(page, "/achieve"), data={"csrf_token": csrf})

    assert achieved.status_code == 200, achieved.status_code
    assert "Status: Achieved" in achieved.text
    assert 'id="achieve-form"' not in achieved.text and 'id="close-link"' not in achieved.text
    assert api_goal(stack, team.lead, goal["id"])["status"] == "achieved"


def test_mark_achieved_sent_twice_answers_both_with_the_achieved_goal(stack):
    """Mark achieved double-clicked: the first marked the goal achieved, the second was refused
    (409), and the page the member saw read "Not marked achieved: only an active goal can be
    achieved; this one is achieved". The button's form carries a key: the second gets the
    first answer."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Ship the export")
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    fields = form_fields(page, "achieve-form")
    assert fields.get("idempotency_key")

    answers = [session.post(stack.web_url + action(page, "/achieve"), data=fields)
               for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200], [a.status_code for a in answers]
    assert all("Status: Achieved" in a.text and "Not marked achieved" not in a.text
               for a in answers)
    history = stack.goals.call("GET", f"/v1/goals/{goal['id']}/history", team.lead).get_json()
    assert [h["action"] for h in history["items"]].count("achieved") == 1


def test_a_close_sent_twice_answers_both_with_the_closed_goal(stack):
    """The close form sent twice: the second was refused (409) and the form came back under
    "Only a draft or active goal can be closed; this one is closed as dropped", as if the
    goal had not been closed. The form carries a key: the second gets the first answer; the
    same form resent with another outcome says the goal was closed with the first."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Old plan")
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    form = session.get(stack.web_url + action(page, "/close")).text
    fields = form_fields(form, "close-form")

    def close(outcome: str):
        return session.post(stack.web_url + action(form, "/close"), data={
            **fields, "outcome": outcome, "retrospective": "A better plan came"})

    answers = [close("dropped"), close("dropped")]
    other = close("missed")

    assert [a.status_code for a in answers] == [200, 200], [a.status_code for a in answers]
    assert all("Status: Dropped" in a.text and "can be closed" not in a.text for a in answers)
    assert other.status_code == 422, other.status_code
    assert ("This form was already sent with other values, and the goal was closed with "
            "those: its page shows them.") in html.unescape(other.text)
    assert form_fields(other.text, "close-form")["idempotency_key"] != fields["idempotency_key"]
    assert api_goal(stack, team.lead, goal["id"])["status"] == "dropped"


def test_a_second_person_closing_a_closed_goal_is_refused_and_the_first_retrospective_kept(
        stack):
    """Its owner and a lead each opened the close form and closed the goal as partly reached
    with their own retrospective: the second was told it was done, though the goals service
    refused it (409) and kept the first retrospective. The second now sees the refusal, with
    what they typed."""
    team = stack.new_team()
    _, owner = stack.add_member(team, "Olga")
    goal = stack.create_goal(owner, title="Shared plan")
    forms = []
    for token in (owner, team.lead):
        session, _ = signed_in(stack, token)
        page = session.get(stack.web_url + f"/goals/{goal['id']}").text
        form = session.get(stack.web_url + action(page, "/close")).text
        forms.append((session, action(form, "/close"), form_fields(form, "close-form")))

    answers = [session.post(stack.web_url + path, data={
        **fields, "outcome": "partial", "retrospective": f"Retrospective {n}"})
        for n, (session, path, fields) in enumerate(forms, 1)]

    assert [a.status_code for a in answers] == [200, 409], [a.status_code for a in answers]
    assert "Status: Partly reached" in answers[0].text
    refused = html.unescape(answers[1].text)
    assert "this one is closed as partly reached" in refused
    assert ">Retrospective 2</textarea>" in refused
    assert api_goal(stack, team.lead, goal["id"])["retrospective"] == "Retrospective 1"


def form_fields(page: str, form_id: str) -> dict[str, str]:
    """The hidden fields of the page's form with this id."""
    return hidden_fields(re.search(rf'<form id="{form_id}".*?</form>', page, re.S).group(0))


def test_a_goal_marked_achieved_by_mistake_is_reopened_from_its_page(stack):
    team = stack.new_team()
    _, owner = stack.add_member(team, "Olga")
    goal = stack.create_goal(owner, title="Ship the export")
    stack.goals.call("POST", f"/v1/goals/{goal['id']}/achieve", owner)
    session, csrf = signed_in(stack, owner)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    assert 'id="reopen-form"' in page and "Reopen this goal" in page

    reopened = session.post(stack.web_url + action(page, "/reopen"), data={"csrf_token": csrf})

    assert reopened.status_code == 200, reopened.status_code
    assert "Status: Active" in reopened.text and 'id="reopen-form"' not in reopened.text
    assert action(reopened.text, "/achieve") and action(reopened.text, "/close")
    assert api_goal(stack, owner, goal["id"])["status"] == "active"


def test_achieving_a_draft_is_a_409_with_the_api_reason(stack):
    team = stack.new_team()
    draft = stack.create_goal(team.lead, title="Still a draft", status="draft")
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + f"/goals/{draft['id']}/achieve",
                           data={"csrf_token": csrf})

    assert refused.status_code == 409, refused.status_code
    assert ("Not marked achieved: only an active goal can be achieved; this one is a draft"
            in refused.text)
    assert api_goal(stack, team.lead, draft["id"])["status"] == "draft"


def test_a_goal_closed_as_partly_reached_says_so_in_words_on_its_page(stack):
    """The goal page said "Status: partial" and "This goal is partial; only active goals take
    check-ins": the goals API's name for the outcome, which the close form calls partly
    reached."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    form = session.get(stack.web_url + f"/goals/{goal['id']}/close").text

    closed = session.post(stack.web_url + action(form, "/close"), data={
        "csrf_token": csrf, "outcome": "partial", "retrospective": "Half the customers signed"})

    assert closed.status_code == 200, closed.status_code
    assert "Status: Partly reached" in closed.text
    assert "Only active goals take check-ins." in closed.text
    assert "partial" not in html.unescape(re.sub(r"<[^>]+>", " ", closed.text))



def test_a_closed_goals_badge_says_closed_as_the_board_does(stack):
    """A closed goal has no health (goals judges only active and achieved ones), so its page's
    badge fell back to "… Not started", where the board's closed filter says "■ Closed"."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    closed = stack.goals.call("POST", f"/v1/goals/{goal['id']}/close", team.lead,
                              json={"outcome": "missed", "retrospective": "Too late"})
    assert closed.status_code == 200, closed.get_json()
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    board = session.get(stack.web_url + "/board?show=closed").text

    assert badges(page) == badges(board) == ["■ Closed"]

def test_an_owner_closes_a_goal_with_a_retrospective_and_reopens_it(stack):
    team = stack.new_team()
    _, owner = stack.add_member(team, "Olga")
    goal = stack.create_goal(owner, title="Old plan", milestones=[{"title": "First step"}])
    better = stack.create_goal(owner, title="Better plan")
    session, csrf = signed_in(stack, owner)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    form = session.get(stack.web_url + action(page, "/close")).text
    assert f'value="{better["id"]}"' in form and f'value="{goal["id"]}"' not in form

    closed = session.post(stack.web_url + action(form, "/close"), data={
        "csrf_token": csrf, "outcome": "dropped", "retrospective": "A better plan came along",
        "replaced_by": better["id"]})

    assert closed.status_code == 200, closed.status_code
    assert "Status: Dropped" in closed.text and "A better plan came along" in closed.text
    assert f'href="/goals/{better["id"]}"' in closed.text
    # goals refuses to change a closed goal's plan (409), so its page offers no such form
    assert "Add milestone" not in closed.text and "Mark done" not in closed.text
    in_api = api_goal(stack, owner, goal["id"])
    assert (in_api["status"], in_api["retrospective"], in_api["replaced_by"]) == (
        "dropped", "A better plan came along", better["id"])

    reopened = session.post(stack.web_url + action(closed.text, "/reopen"),
                            data={"csrf_token": csrf})

    assert reopened.status_code == 200, reopened.status_code
    assert "Status: Active" in reopened.text and 'id="reopen-form"' not in reopened.text
    assert "Add milestone" in reopened.text and "Mark done" in reopened.text
    in_api = api_goal(stack, owner, goal["id"])
    assert (in_api["status"], in_api["replaced_by"]) == ("active", None)


def test_a_teammate_who_is_neither_owner_nor_lead_is_offered_no_moves_and_is_refused(stack):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="The lead's goal")
    milestone = stack.goals.call("POST", f"/v1/goals/{goal['id']}/milestones", team.lead,
                                 json={"title": "First step"}).get_json()
    _, teammate = stack.add_member(team, "Max")
    session, csrf = signed_in(stack, teammate)

    page = session.get(stack.web_url + f"/goals/{goal['id']}").text

    assert "First step" in page
    for offered in ("/achieve", "/close", "/milestones", f"/{milestone['id']}/complete"):
        assert action(page, offered) is None, offered
    achieve = session.post(stack.web_url + f"/goals/{goal['id']}/achieve",
                           data={"csrf_token": csrf})
    close = session.post(stack.web_url + f"/goals/{goal['id']}/close",
                         data={"csrf_token": csrf, "outcome": "missed", "retrospective": "x"})
    complete = session.post(
        stack.web_url + f"/goals/{goal['id']}/milestones/{milestone['id']}/complete",
        data={"csrf_token": csrf})

    why = "only the goal's owner or a lead may change it"
    for refused in (achieve, close, complete):
        assert refused.status_code == 403, refused.status_code
    assert f"Not marked achieved: {why}" in html.unescape(achieve.text)
    assert f"Not marked done: {why}" in html.unescape(complete.text)
    assert "Only the goal's owner or a lead may change it" in html.unescape(close.text)
    in_api = api_goal(stack, teammate, goal["id"])
    assert in_api["status"] == "active" and [m["done"] for m in in_api["milestones"]] == [False]


def test_the_close_form_is_refused_with_the_reason_to_whom_may_not_close_the_goal(stack):
    """Opened by its address, the close form was shown to anyone, and only its post was
    refused. A teammate who may not change the goal gets a 403 page saying why; a goal no
    longer open (achieved) gets the goals service's 409 reason; neither gets the form. Each
    reason starts its sentence with a capital, the rest as the API wrote it."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="The lead's goal")
    done = stack.create_goal(team.lead, title="Done already")
    stack.goals.call("POST", f"/v1/goals/{done['id']}/achieve", team.lead)
    dropped = stack.create_goal(team.lead, title="Dropped already")
    stack.goals.call("POST", f"/v1/goals/{dropped['id']}/close", team.lead,
                     json={"outcome": "dropped"})
    _, teammate = stack.add_member(team, "Max")
    mate_session, _ = signed_in(stack, teammate)
    lead_session, _ = signed_in(stack, team.lead)

    refused = mate_session.get(stack.web_url + f"/goals/{goal['id']}/close")
    closed = lead_session.get(stack.web_url + f"/goals/{done['id']}/close")
    allowed = lead_session.get(stack.web_url + f"/goals/{goal['id']}/close")

    assert refused.status_code == 403, refused.status_code
    assert "<p>Only the goal's owner or a lead may change it</p>" in html.unescape(refused.text)
    assert closed.status_code == 409, closed.status_code
    assert ("Only a draft or active goal can be closed; this one is achieved"
            in html.unescape(closed.text))
    assert 'id="close-form"' not in refused.text + closed.text
    closed_before = lead_session.get(stack.web_url + f"/goals/{dropped['id']}/close")
    assert closed_before.status_code == 409, closed_before.status_code
    assert ("Only a draft or active goal can be closed; this one is closed as dropped"
            in html.unescape(closed_before.text))  # in words, not the API's `dropped`
    assert allowed.status_code == 200 and 'id="close-form"' in allowed.text


def test_a_refused_close_keeps_the_typed_retrospective_and_says_why(stack):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Wordy goal")
    session, csrf = signed_in(stack, team.lead)
    typed = "Lessons learned " + "again " * 400  # over the API's 2,000 characters

    refused = session.post(stack.web_url + f"/goals/{goal['id']}/close", data={
        "csrf_token": csrf, "outcome": "missed", "retrospective": typed, "replaced_by": ""})

    assert refused.status_code == 422, refused.status_code
    assert "Length must be between 0 and 2000." in refused.text
    assert f">{typed}</textarea>" in refused.text
    assert re.search(r'value="missed" checked', refused.text)
    assert api_goal(stack, team.lead, goal["id"])["status"] == "active"


GOALS_DOWN = "The goals service is unavailable, so nothing was saved"


def test_a_close_sent_while_goals_is_down_answers_503_and_keeps_the_retrospective(
        stack, tmp_path):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Closed in an outage")
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + f"/goals/{goal['id']}/close", data={
            "csrf_token": csrf, "outcome": "missed", "retrospective": "Typed in an outage"})

    assert answer.status_code == 503, answer.status_code
    assert f"{GOALS_DOWN}: the goal was not closed." in answer.text
    assert ">Typed in an outage</textarea>" in answer.text
    assert api_goal(stack, team.lead, goal["id"])["status"] == "active"


def test_a_milestone_added_while_goals_is_down_answers_503_and_keeps_what_was_typed(
        stack, tmp_path):
    """It showed the bare "Temporarily unavailable" page: the title typed was lost."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Milestones in an outage")
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        answer = session.post(web_url + f"/goals/{goal['id']}/milestones", data={
            "csrf_token": csrf, "title": "Typed in an outage", "due_date": days(5),
            "idempotency_key": "outage-key-1"})

    assert answer.status_code == 503, answer.status_code
    assert f"{GOALS_DOWN}: the milestone was not added." in answer.text
    form = re.search(r'<form id="milestone-form".*?</form>', answer.text, re.S).group(0)
    assert 'value="Typed in an outage"' in form and f'value="{days(5)}"' in form
    assert hidden_fields(form)["idempotency_key"] == "outage-key-1"  # resent, added once
    assert api_goal(stack, team.lead, goal["id"])["milestones"] == []


def test_a_goal_or_milestone_moved_while_goals_is_down_answers_503_with_its_button_again(
        stack, tmp_path):
    """Achieve, activate, reopen and a milestone's complete or reopen showed the bare
    "Temporarily unavailable" page, with no way to send the move again."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Moved in an outage")
    milestone = stack.goals.call("POST", f"/v1/goals/{goal['id']}/milestones", team.lead,
                                 json={"title": "Spec"}).get_json()
    achieve = f"/goals/{goal['id']}/achieve"
    complete = f"/goals/{goal['id']}/milestones/{milestone['id']}/complete"
    with service_stopped(stack, tmp_path, team.lead) as (session, csrf, web_url):
        achieved = session.post(web_url + achieve, data={"csrf_token": csrf})
        completed = session.post(web_url + complete, data={"csrf_token": csrf,
                                                            "idempotency_key": "outage-move-1"})

    assert (achieved.status_code, completed.status_code) == (503, 503)
    assert f"{GOALS_DOWN}: the goal was not marked achieved." in achieved.text
    assert action(achieved.text, "/achieve") == achieve
    assert f"{GOALS_DOWN}: the milestone was not marked done." in completed.text
    assert action(completed.text, "/complete") == complete
    assert hidden_fields(completed.text)["idempotency_key"] == "outage-move-1"  # resent: once
    in_api = api_goal(stack, team.lead, goal["id"])
    assert (in_api["status"], [m["done"] for m in in_api["milestones"]]) == ("active", [False])


def test_with_htmx_the_close_form_opens_in_place_on_the_goal_page(stack, page):
    """The goal page keeps to one goals call: the close form (with the team's goals to pick a
    replacement from) is its own page, which htmx brings into the goal page."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Closed in place")
    page.sign_in(team.lead).open(f"/goals/{goal['id']}")

    page.driver.find_element(By.ID, "close-link").click()
    page.wait_for(lambda d: d.find_elements(By.ID, "close-form"))

    assert page.driver.current_url.endswith(f"/goals/{goal['id']}")
    assert page.serious_accessibility_violations() == []
    page.driver.find_element(By.CSS_SELECTOR, "#close-form input[value=missed]").click()
    page.fill("f-retrospective", "Started too late")
    page.driver.find_element(By.CSS_SELECTOR, "#close-form button[type=submit]").click()
    page.wait_for_text("Status: Missed", "h1 + p")
    assert "Started too late" in page.text("article.goal header")
    assert api_goal(stack, team.lead, goal["id"])["status"] == "missed"


def test_back_after_closing_a_goal_says_it_is_closed_not_the_close_form_again(stack, page):
    """Back from the goal page, once it was closed, showed the close form again, kept by the
    browser, as if the goal were still open. The form's page is asked for again (no-store):
    once this member closed the goal, it says so, with the outcome, and offers no form."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Old plan")
    page.sign_in(team.lead).open(f"/goals/{goal['id']}/close")
    page.driver.find_element(By.CSS_SELECTOR, "#close-form input[value=missed]").click()
    page.fill("f-retrospective", "Started too late")
    page.driver.find_element(By.CSS_SELECTOR, "#close-form button[type=submit]").click()
    page.wait_for_text("Status: Missed", "h1 + p")

    page.driver.back()

    page.wait_for_text("“Old plan” is closed", "main h1")
    assert "Outcome: Missed." in page.text("main")
    assert not page.driver.find_elements(By.ID, "close-form")
    assert page.serious_accessibility_violations() == []
    assert api_goal(stack, team.lead, goal["id"])["retrospective"] == "Started too late"


def test_close_this_goal_on_a_goal_closed_meanwhile_says_why_in_place_of_the_page(stack, page):
    """Closed in another tab, the goal's "Close this goal…" (htmx, picking the close form out of
    its answer) got the 409 page, which has no close form: the page's content was swapped for
    nothing, a blank page. And an error page swapped in by htmx brought its whole layout along:
    a second menu, "Skip to content" and footer inside the page. Now the page's content is the
    error page's alone, saying why."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Closed in another tab")
    page.sign_in(team.lead).open(f"/goals/{goal['id']}")
    closed = stack.goals.call("POST", f"/v1/goals/{goal['id']}/close", team.lead,
                              json={"outcome": "dropped"})
    assert closed.status_code == 200, closed.get_json()

    page.driver.find_element(By.ID, "close-link").click()
    page.wait_for_text("That request could not be used", "main")

    assert "Only a draft or active goal can be closed; this one is closed as dropped" in \
        page.text("main")
    layout = page.driver.execute_script(
        "return ['main', 'header nav', 'footer', '.skip'].map("
        "s => document.querySelectorAll(s).length)")
    assert layout == [1, 1, 1, 1], layout
    assert page.serious_accessibility_violations() == []


def test_the_goal_page_and_its_close_form_each_call_the_goals_api_once(stack):
    """The README's promise (one call per service per page) holds with the moves offered."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Counted close")
    stack.create_goal(team.lead, title="Its replacement")
    session, _ = signed_in(stack, team.lead)
    client = stack.servers[-1].server.app.extensions["web"].api
    original, calls = client.request, {}

    def counting(service, method, path, token, **kwargs):
        calls.setdefault(service, []).append(path)
        return original(service, method, path, token, **kwargs)

    client.request = counting
    try:
        page = session.get(stack.web_url + f"/goals/{goal['id']}").text
        on_page, calls = calls, {}
        form = session.get(stack.web_url + action(page, "/close")).text
    finally:
        client.request = original

    assert on_page["goals"] == [f"/v1/goals/{goal['id']}"]
    assert calls == {"goals": ["/v1/goals"]}
    assert "Counted close" in form and "Its replacement" in form


# -- milestones -------------------------------------------------------------------------------
def test_milestones_are_added_completed_and_reopened_on_the_goal_page(stack):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Planned goal")
    session, csrf = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text

    added = session.post(stack.web_url + action(page, "/milestones"), data={
        "csrf_token": csrf, "title": "Write the spec", "due_date": days(5)})

    assert added.status_code == 200 and "Write the spec" in added.text
    [milestone] = api_goal(stack, team.lead, goal["id"])["milestones"]
    assert (milestone["title"], milestone["done"]) == ("Write the spec", False)

    completed = session.post(stack.web_url + action(added.text, f"/{milestone['id']}/complete"),
                             data={"csrf_token": csrf})

    done = re.compile(r"Write the spec[^<]* — done")
    assert completed.status_code == 200 and done.search(completed.text)
    assert [m["done"] for m in api_goal(stack, team.lead, goal["id"])["milestones"]] == [True]

    reopened = session.post(stack.web_url + action(completed.text, f"/{milestone['id']}/reopen"),
                            data={"csrf_token": csrf})

    assert reopened.status_code == 200 and not done.search(reopened.text)
    assert action(reopened.text, f"/{milestone['id']}/complete")
    assert [m["done"] for m in api_goal(stack, team.lead, goal["id"])["milestones"]] == [False]


def test_reopen_sent_twice_shows_the_milestone_open_and_no_error(stack):
    """Reopen double-clicked: the first reopened the milestone, the second was refused (409)
    and the page read "Not reopened: the milestone is not done". The button's form carries a
    key: the second gets the first answer, and the milestone is reopened once."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Planned goal")
    path = f"/v1/goals/{goal['id']}/milestones"
    milestone = stack.goals.call("POST", path, team.lead, json={"title": "Spec"}).get_json()
    stack.goals.call("POST", f"{path}/{milestone['id']}/complete", team.lead)
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    reopen = re.search(rf'<form[^>]*action="[^"]*/{milestone["id"]}/reopen".*?</form>', page,
                       re.S).group(0)
    fields = hidden_fields(reopen)
    assert fields.get("idempotency_key")

    answers = [session.post(stack.web_url + action(page, f"/{milestone['id']}/reopen"),
                            data=fields) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200], [a.status_code for a in answers]
    assert all("Not reopened" not in a.text and action(a.text, f"/{milestone['id']}/complete")
               for a in answers)
    assert [m["done"] for m in api_goal(stack, team.lead, goal["id"])["milestones"]] == [False]
    history = stack.goals.call("GET", f"/v1/goals/{goal['id']}/history", team.lead).get_json()
    assert [h["action"] for h in history["items"]].count("milestone_reopened") == 1


def test_a_refused_milestone_keeps_what_was_typed_and_says_why(stack):
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Goal without a plan")
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + f"/goals/{goal['id']}/milestones", data={
        "csrf_token": csrf, "title": "", "due_date": days(7)})

    assert refused.status_code == 422, refused.status_code
    assert "Must not be blank." in refused.text
    assert f'value="{days(7)}"' in refused.text
    assert api_goal(stack, team.lead, goal["id"])["milestones"] == []


def test_a_milestone_added_to_a_goal_closed_since_its_page_was_drawn_says_why(stack):
    """The goal was closed in another tab; the milestone added on the page still open came back
    409 as the goal page without its form (a closed goal takes none) and without a word: the
    milestone typed was gone and nothing said it was not added, nor why."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Goal closed meanwhile")
    session, csrf = signed_in(stack, team.lead)
    closed = stack.goals.call("POST", f"/v1/goals/{goal['id']}/close", team.lead,
                              json={"outcome": "dropped"})
    assert closed.status_code == 200, closed.get_json()

    refused = session.post(stack.web_url + f"/goals/{goal['id']}/milestones", data={
        "csrf_token": csrf, "title": "Draft the plan", "due_date": ""})

    assert refused.status_code == 409, refused.status_code
    said = re.search(r'<section aria-labelledby="milestones-h">.*?</section>', refused.text,
                     re.S).group(0)
    why = re.search(r'<p class="error" role="alert">([^<]*)</p>', said)
    assert why, said
    assert html.unescape(why.group(1)).startswith("The milestone “Draft the plan” was not "
                                                  "added: "), why.group(1)
    assert "dropped" in why.group(1), why.group(1)
    assert api_goal(stack, team.lead, goal["id"])["milestones"] == []


def test_a_refusal_naming_a_day_writes_it_as_the_page_does(stack):
    """A refused milestone said "Must be on or before the goal's due date, 2027-01-05." under
    a page that writes that day "Tue 05 Jan 2027" (and New goal said "Must be after the start
    date, 2027-01-20."): the API's days are written as the pages write every other."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Write the handbook", due_date="2027-01-05")
    session, csrf = signed_in(stack, team.lead)

    milestone = session.post(stack.web_url + f"/goals/{goal['id']}/milestones", data={
        "csrf_token": csrf, "title": "First draft", "due_date": "2027-02-01"})
    new_goal = session.post(stack.web_url + "/goals/new", data={
        "csrf_token": csrf, "title": "Write the second handbook", "start_date": "2027-01-20",
        "due_date": "2027-01-10"})

    assert milestone.status_code == new_goal.status_code == 422
    assert "Must be on or before the goal&#39;s due date, Tue 05 Jan 2027." in milestone.text
    assert "Must be after the start date, Wed 20 Jan 2027." in new_goal.text
    assert 'value="2027-02-01"' in milestone.text  # the field keeps the day as typed


def milestone_form(page: str) -> dict[str, str]:
    """The hidden fields of the goal page's "Add milestone" form."""
    return hidden_fields(re.search(r'<form id="milestone-form".*?</form>', page, re.S).group(0))


def test_an_add_milestone_form_posted_twice_adds_one_milestone(stack):
    """A double click, or a resend after a timeout, carries the form's key: the goals API adds
    the milestone once. A refused form is shown again with its key, so its resend is one too."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Planned once")
    session, _ = signed_in(stack, team.lead)
    path = stack.web_url + f"/goals/{goal['id']}/milestones"
    fields = milestone_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    assert fields.get("idempotency_key")

    answers = [session.post(path, data={**fields, "title": "Write the spec"},
                            allow_redirects=False) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    milestones = api_goal(stack, team.lead, goal["id"])["milestones"]
    assert [m["title"] for m in milestones] == ["Write the spec"]

    fresh = milestone_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    assert fresh["idempotency_key"] != fields["idempotency_key"]
    refused = session.post(path, data={**fresh, "title": ""})
    assert refused.status_code == 422, refused.status_code
    assert milestone_form(refused.text)["idempotency_key"] == fresh["idempotency_key"]
    added = [session.post(path, data={**fresh, "title": "Review the spec"},
                          allow_redirects=False) for _ in range(2)]
    assert [a.status_code for a in added] == [302, 302]
    after = api_goal(stack, team.lead, goal["id"])["milestones"]
    assert [m["id"] for m in after[:1]] == [milestones[0]["id"]]
    assert [m["title"] for m in after] == ["Write the spec", "Review the spec"]


def test_a_milestone_form_resent_with_other_values_says_it_was_added_and_adds_the_new_one(
        stack):
    """Sent, its answer lost (a timeout keeps the form and its key), changed and sent again:
    goals refuses the key with another body, and the page said "this Idempotency-Key was
    already used with a different request body; use a new key for a new request" above a form
    carrying that same key, so every resend was refused too. It says what happened, and the
    form, sent again, adds the new milestone."""
    team = stack.new_team()
    goal = stack.create_goal(team.lead, title="Planned after a timeout")
    session, _ = signed_in(stack, team.lead)
    path = stack.web_url + f"/goals/{goal['id']}/milestones"
    fields = milestone_form(session.get(stack.web_url + f"/goals/{goal['id']}").text)
    session.post(path, data={**fields, "title": "Write the spec"}, allow_redirects=False)

    changed = session.post(path, data={**fields, "title": "Review the spec"})

    assert changed.status_code == 422, changed.status_code
    text = html.unescape(changed.text)
    assert ("This form was already sent with other values, and that milestone was added: it "
            "is in the list above. Send the form again to add this one as well.") in text
    assert "Idempotency-Key" not in text
    form = re.search(r'<form id="milestone-form".*?</form>', changed.text, re.S).group(0)
    assert 'value="Review the spec"' in form
    resent = session.post(path, data={**milestone_form(changed.text), "title": "Review the spec"},
                          allow_redirects=False)
    assert resent.status_code == 302, resent.status_code
    assert [m["title"] for m in api_goal(stack, team.lead, goal["id"])["milestones"]] == [
        "Write the spec", "Review the spec"]


def test_the_history_says_what_happened_in_words(stack):
    """It said "progressed (metric.current)", "milestone completed (milestone)" and "dropped
    (status, retrospective)": the API's names, not what happened."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    goal_path = f"/v1/goals/{goal['id']}"
    milestone = stack.goals.call("POST", goal_path + "/milestones", team.lead,
                                 json={"title": "Write the spec"}).get_json()
    stack.goals.call("POST", goal_path + f"/milestones/{milestone['id']}/complete", team.lead)
    stack.checkins.call("POST", goal_path + "/checkins", team.lead, json={"value": 12.5})
    eventually(lambda: api_goal(stack, team.lead, goal["id"])["metric"]["current"] == 12.5)
    stack.goals.call("POST", goal_path + "/close", team.lead,
                     json={"outcome": "dropped", "retrospective": "No longer needed"})
    stack.goals.call("POST", goal_path + "/reopen", team.lead)
    session, _ = signed_in(stack, team.lead)

    history = session.get(stack.web_url + f"/goals/{goal['id']}/history").text

    for said in ("milestone added: “Write the spec”", "milestone done: “Write the spec”",
                 "checked in: value 0 → 12.5", "closed as dropped", "reopened"):
        assert said in html.unescape(history), said
    assert "metric.current" not in history and "(status" not in history


def test_a_refused_milestone_without_its_form_ends_its_sentence_once():
    """A goal page without the milestone form (the goal closed meanwhile) said the refusal
    ending with a full stop whatever the API's reason ended with: "…still open?." It adds one
    only when the reason does not already end a sentence (. ? ! …)."""
    reasons = ["goal “Read” is dropped", "goal “Read” is dropped.", "Is “Read” still open?",
               "“Read” was closed at once!", "“Read” was…"]

    said = [lifecycle_forms.milestone_refusal_without_form({"title": " Draft "}, {"_": [why]})
            for why in reasons]

    assert said == [f"The milestone “Draft” was not added: {ending}" for ending in (
        "goal “Read” is dropped.", "goal “Read” is dropped.", "Is “Read” still open?",
        "“Read” was closed at once!", "“Read” was…")]
