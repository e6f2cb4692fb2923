"""What a careless or hostile client gets from the goals API, on both engines: a precise 4xx
naming what was wrong, never a 500, and never another team's data."""

from __future__ import annotations

from tests.goals.helpers import create_goal, get, post
from tests.support.seed import add_member, create_team
from tests.support.stack import auth


def test_a_milestone_keyed_for_a_goal_id_longer_than_any_goals_is_a_404(goals):
    """A milestone POSTed with an Idempotency-Key to a path naming no goal (an id of 600
    characters) was a 500 on PostgreSQL: the key was claimed, path included, before the goal
    was looked up, and the ledger keeps paths of up to 500 characters. It is the 404 any
    unknown goal gets, and the goal named by a real id is unchanged."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    headers = {**auth(team.lead), "Idempotency-Key": "milestone-1"}
    not_an_id = "x" * 600

    response = goals.client.post(f"/v1/goals/{not_an_id}/milestones", headers=headers,
                                 json={"title": "Triage the backlog"})

    assert response.status_code == 404, response.json
    assert response.json["detail"] == f"goal {not_an_id} not found"
    assert get(goals, f"/v1/goals/{goal['id']}", team.lead).json["milestones"] == []


def test_assessing_a_draft_aligned_under_no_team_goal_of_the_team_says_so_as_creating_it_does(
        goals):
    """POST /v1/goals/assess judged any parent_id "Aligned to a team goal." (relevant), another
    team's goal, a personal goal and an id naming nothing included, while creating that draft
    is refused. The assessment refuses the parent as creation does (422 on parent_id), without
    telling another team's goal from no goal at all; a parent of the team is still judged."""
    team, other_team = create_team(goals), create_team(goals, name="Other")
    parent = create_goal(goals, team.lead, kind="team", title="Halve the support backlog")
    personal = create_goal(goals, team.lead, title="Close 10 support tickets")
    theirs = create_goal(goals, other_team.lead, kind="team", title="Ship the new billing")
    draft = {"title": "Close 20 support tickets", "due_date": "2031-03-11",
             "metric": {"unit": "tickets", "start": 0, "target": 20}}

    def assess(parent_id: str):
        return goals.client.post("/v1/goals/assess", headers=auth(team.lead),
                                 json={**draft, "parent_id": parent_id})

    refusals = {name: assess(goal["id"]) for name, goal in
                (("another team's", theirs), ("personal", personal))}
    unknown = assess("00000000-0000-4000-8000-000000000000")
    aligned = assess(parent["id"])

    assert {name: (r.status_code, r.json["detail"], r.json["errors"])
            for name, r in refusals.items()} == {
        "another team's": (422, "parent goal not found",
                           {"parent_id": ["No goal with this id in your team."]}),
        "personal": (422, "a parent must be a team goal", {"parent_id": ["Must be a team goal."]}),
    }
    assert (unknown.status_code, unknown.json["errors"]) == (
        422, {"parent_id": ["No goal with this id in your team."]})
    assert aligned.status_code == 200, aligned.json
    assert aligned.json["smart"]["relevant"] == {"ok": True, "hint": "Aligned to a team goal."}


def test_assessing_a_draft_due_before_it_starts_names_the_start_date_it_is_judged_against(
        goals, clock):
    """The assessment of a draft due on or before its start said "The due date must be after
    the start date." without the day, though a draft without start_date starts on its owner's
    today in their zone, which can be a day ahead of UTC's. It names the day as the refusal
    of such a goal does, and where it came from when the draft gave none."""
    team = create_team(goals)
    _, token = add_member(goals, team, "Kai", timezone="Pacific/Kiritimati")  # UTC+14
    clock.advance(hours=3)  # 2031-03-02 12:00 UTC, 2031-03-03 02:00 in Kiritimati
    draft = {"title": "Close 20 support tickets", "due_date": "2031-03-03",
             "metric": {"unit": "tickets", "start": 0, "target": 20}}

    implied = goals.client.post("/v1/goals/assess", headers=auth(token), json=draft)
    given = goals.client.post("/v1/goals/assess", headers=auth(token),
                              json={**draft, "start_date": "2031-03-04"})

    assert (implied.status_code, given.status_code) == (200, 200)
    assert implied.json["smart"]["time_bound"] == {"ok": False, "hint": (
        "The due date must be after the start date, 2031-03-03 (today in Pacific/Kiritimati, "
        "as no start_date was given).")}
    assert given.json["smart"]["time_bound"] == {
        "ok": False, "hint": "The due date must be after the start date, 2031-03-04."}


def test_a_template_parameter_it_does_not_take_is_refused_naming_those_it_takes(goals):
    """A misspelt template parameter ("module" for finish-course's "modules") was refused as
    "module: Unknown field.", leaving the client to find what the template takes. The refusal
    names the parameters it takes; the draft is not made."""
    team = create_team(goals)
    response = goals.client.post(
        "/v1/goal-templates/finish-course/instantiate", headers=auth(team.lead),
        json={"parameters": {"course": "Rust", "by": "2031-04-01", "module": 12}})

    takes = "Not a parameter of this template; it takes course, by, modules."
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"parameters.module": [takes]}
    assert response.json["detail"] == f"Some values were not accepted. module: {takes}"
    assert get(goals, "/v1/goals?status=draft", team.lead).json["items"] == []


def test_a_template_retried_after_midnight_under_its_key_gets_the_draft_it_made(goals, clock):
    """A template filled with a date due tomorrow, retried under the same Idempotency-Key once
    that day has come (its first answer lost, say), was refused "Last day: Must be after
    today." though the draft had been made: the dates were judged before the key was looked
    up. The retry gets the first answer back, and there is one draft."""
    team = create_team(goals)
    path = "/v1/goal-templates/apply-to-roles/instantiate"
    headers = {**auth(team.lead), "Idempotency-Key": "apply-1"}
    body = {"parameters": {"n": 3, "until": "2031-03-03"}, "why": "Grow my career"}
    first = goals.client.post(path, headers=headers, json=body)
    clock.advance(hours=16)  # 2031-03-03 01:00 UTC: the team's day is the "until" day

    again = goals.client.post(path, headers=headers, json=body)

    assert first.status_code == 201, first.json
    assert again.status_code == 201, again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    drafts = get(goals, "/v1/goals?status=draft", team.lead).json["items"]
    assert [g["id"] for g in drafts] == [first.json["id"]]


def test_a_goal_aligned_under_itself_is_told_so_whatever_its_kind_or_status(goals):
    """PATCH parent_id naming the goal itself was refused for what the goal is, as if it were
    another: "a parent must be a team goal" for a personal goal, "... “<its own title>” is
    achieved" for an achieved team goal. Each is refused as a cycle, the goal unchanged."""
    team = create_team(goals)
    personal = create_goal(goals, team.lead, title="Close 20 support tickets")
    achieved = create_goal(goals, team.lead, kind="team", title="Halve the support backlog")
    assert post(goals, f"/v1/goals/{achieved['id']}/achieve", team.lead).status_code == 200

    refusals = [goals.client.patch(f"/v1/goals/{goal['id']}", json={"parent_id": goal["id"]},
                                   headers={**auth(team.lead), "If-Match": "*"})
                for goal in (personal, achieved)]

    assert [(r.status_code, r.json["detail"], r.json["errors"]) for r in refusals] == [
        (422, "a goal cannot be aligned under itself or its own children",
         {"parent_id": ["Would make a cycle."]})] * 2
    assert [get(goals, f"/v1/goals/{g['id']}", team.lead).json["parent_id"]
            for g in (personal, achieved)] == [None, None]
