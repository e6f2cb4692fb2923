"""The New goal form posted over HTTP as a browser without JavaScript sends it, against the real
stack: goals the API takes can be created from it."""

from __future__ import annotations

import re

from tests.web.over_http import CSRF, api_calls, days, hidden_fields, signed_in


def post_new_goal(stack, token: str, **fields):
    session, _ = signed_in(stack, token)
    csrf = CSRF.search(session.get(stack.web_url + "/goals/new").text).group(1)
    return session, session.post(stack.web_url + "/goals/new", allow_redirects=False, data={
        "csrf_token": csrf, "title": "Cut the open bugs to 10",
        "why": "Support drowns in bug reports", "metric_unit": "bugs",
        "metric_start": "50", "metric_target": "10", "due_date": days(60),
        "visibility": "team", **fields})


def test_a_goal_to_reduce_something_can_be_created_from_the_form(stack):
    """The goals API takes metrics that decrease (`direction`); the form had no such field, so
    'Cut open bugs from 50 to 10' was refused with 'Must be above start when increasing.' and
    nothing the member could change on the page made it acceptable."""
    team = stack.new_team()

    session, answer = post_new_goal(stack, team.lead, metric_direction="decrease")

    assert answer.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)<', answer.text)
    page = session.get(stack.web_url + answer.headers["Location"]).text
    assert "Now 50 bugs, down to 10." in page


def test_a_refused_direction_is_shown_beside_its_choice(stack):
    team = stack.new_team()

    _, answer = post_new_goal(stack, team.lead, metric_direction="sideways")

    assert answer.status_code == 422
    assert re.search(r'<small id="e-metric_direction" class="error" role="alert">[^<]+</small>',
                     answer.text), re.findall(r'class="error"[^>]*>([^<]*)<', answer.text)


def test_a_double_submitted_new_goal_form_creates_one_goal(stack):
    """The form carries its own Idempotency-Key: a double click, or sending it again after
    'may not have been created', gives one goal and takes the member to it both times."""
    team = stack.new_team()
    session, _ = signed_in(stack, team.lead)
    page = session.get(stack.web_url + "/goals/new").text
    form = re.search(r'<form id="new-goal".*?</form>', page, re.S).group(0)
    fields = hidden_fields(form)
    assert fields.get("idempotency_key")
    fields.update(title="Close 20 support tickets", why="Customers wait too long",
                  metric_unit="tickets", metric_start="0", metric_target="20",
                  due_date=days(60), visibility="team")

    answers = [session.post(stack.web_url + "/goals/new", data=fields, allow_redirects=False)
               for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    goals = stack.goals.call("GET", "/v1/goals", team.lead).get_json()["items"]
    assert [g["title"] for g in goals] == ["Close 20 support tickets"]



def test_a_form_key_no_header_can_carry_is_refused_by_name_and_nothing_is_created(stack):
    """The form's hidden key goes to goals as the Idempotency-Key header: a crafted one outside
    printable ASCII was a 500 (the HTTP library cannot encode it), and a spaced one or one with
    a line break said the goals service did not answer (503) though nothing was sent."""
    team = stack.new_team()

    answers = [post_new_goal(stack, team.lead, idempotency_key=key)[1]
               for key in ("\u202e", " ", "k\r\nX-Evil: 1", "k" * 256)]

    assert [a.status_code for a in answers] == [400] * 4, [a.text[:300] for a in answers]
    assert all("The form&#39;s key is not one this app gives its forms" in a.text
               for a in answers), answers[0].text
    assert stack.goals.call("GET", "/v1/goals", team.lead).get_json()["items"] == []


OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')


def test_the_team_goals_to_align_to_are_offered_however_many_personal_goals_are_open(
        stack, make_web):
    """The page read the team's open goals up to the goals cap (WEB_GOALS_CAP, 1000), due
    soonest first, and kept the team goals among them: a team goal due after more open personal
    goals than the cap was not offered. It asks goals for the open team goals alone."""
    team = stack.new_team()
    _, ana = stack.add_member(team, "Ana")
    for n in range(4):
        stack.create_goal(ana, title=f"Read {n + 2} books", due_date=days(30 + n))
    aligned_to = stack.create_goal(team.lead, title="Sign 5 new customers this quarter",
                                   kind="team", due_date=days(90))["id"]
    web = make_web(goals_cap=3)
    session, _ = signed_in(stack, ana, web.url)

    form = session.get(web.url + "/goals/new").text

    assert OPTION.findall(form) == [("", "None"), (aligned_to, "Sign 5 new customers this quarter")]
    session, _ = signed_in(stack, ana)
    with api_calls(stack) as calls:
        assert session.get(stack.web_url + "/goals/new").status_code == 200
    asked = [params for service, _, path, params in calls
             if (service, path) == ("goals", "/v1/goals")]
    assert [(p["kind"], sorted(p["status"])) for p in asked] == [
        ("team", ["active", "draft"])], calls


def test_a_lead_makes_a_team_goal_and_a_member_aligns_theirs_to_it_from_the_form(stack):
    """The form could neither make a team goal nor align a goal to one: a member could not put
    theirs under the lead's, and in a team that requires SMART goals the check's "align it to
    a team goal" was advice the page gave no means to follow."""
    team = stack.new_team(require_smart=True)
    _, ana = stack.add_member(team, "Ana")
    stack.create_goal(team.lead, title="The lead's personal reading goal", why="Rest",
                      due_date=days(80), metric={"unit": "books", "start": 0, "target": 4,
                                                 "current": 0})
    lead, made = post_new_goal(stack, team.lead, title="Sign 5 new customers this quarter",
                               kind="team", metric_direction="decrease")
    assert made.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)<', made.text)
    team_goal_id = made.headers["Location"].rstrip("/").split("/")[-1]

    session, _ = signed_in(stack, ana)
    form = session.get(stack.web_url + "/goals/new").text
    offered = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', form)
    assert offered == [("", "None"), (team_goal_id, "Sign 5 new customers this quarter")]
    assert 'name="kind" value="team"' not in form  # a member makes personal goals only

    _, answer = post_new_goal(stack, ana, title="Call 20 leads from the fair", why="",
                              parent_id=team_goal_id, metric_direction="decrease")

    assert answer.status_code == 302, re.findall(r'class="error"[^>]*>([^<]*)<', answer.text)
    page = session.get(stack.web_url + answer.headers["Location"]).text
    assert f'Aligned to <a href="/goals/{team_goal_id}">' in page


SMART_REQUIRED = ("<strong>Your team requires SMART goals:</strong> a goal is created only when "
                  "it is specific, measurable, achievable, relevant and time-bound")


def test_the_new_goal_page_says_up_front_when_the_team_requires_smart_goals(stack):
    """It did not: a member learnt of the requirement only when the goal was refused."""
    requiring = stack.new_team(require_smart=True)
    _, ana = stack.add_member(requiring, "Ana")
    relaxed = stack.new_team()

    shown = {token: signed_in(stack, token)[0].get(stack.web_url + "/goals/new")
             for token in (ana, requiring.lead, relaxed.lead)}

    assert [answer.status_code for answer in shown.values()] == [200, 200, 200]
    assert SMART_REQUIRED in shown[ana].text and SMART_REQUIRED in shown[requiring.lead].text
    assert "requires SMART goals" not in shown[relaxed.lead].text


def test_an_achieved_team_goal_is_not_offered_to_align_a_new_goal_to(stack):
    """The New goal page offered achieved team goals too: work toward a goal already reached."""
    team = stack.new_team()
    _, ana = stack.add_member(team, "Ana")
    active = stack.create_goal(team.lead, title="Sign 5 new customers this quarter",
                               kind="team")["id"]
    draft = stack.create_goal(team.lead, title="Open an office in Lyon", kind="team",
                              status="draft")["id"]
    reached = stack.create_goal(team.lead, title="Hire a support lead", kind="team")["id"]
    achieved = stack.goals.call("POST", f"/v1/goals/{reached}/achieve", team.lead)
    assert achieved.status_code == 200, achieved.get_json()
    session, _ = signed_in(stack, ana)

    form = session.get(stack.web_url + "/goals/new").text

    assert OPTION.findall(form) == [("", "None"), (draft, "Open an office in Lyon"),
                                    (active, "Sign 5 new customers this quarter")]
    assert "Hire a support lead" not in form
