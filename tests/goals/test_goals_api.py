"""Goals over HTTP on both engines: create, read, edit with If-Match, history, SMART, alignment."""

from __future__ import annotations

import threading
import uuid
from functools import partial

import pytest
from sqlalchemy import event, text

from tests.goals.helpers import create_goal, get, outbox, outbox_by_id, post, run_job
from tests.support.goals_races import racer, team_for_a_race
from tests.support.races import (
    SQLITE_WAITS,
    at_once,
    once_after,
    run_together,
    sent_meanwhile,
)
from tests.support.seed import add_member, create_team
from tests.support.stack import auth


def test_a_created_goal_carries_smart_health_horizon_and_an_etag(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    assert set(goal["smart"]) == {"specific", "measurable", "achievable", "relevant", "time_bound"}
    assert all(v["ok"] for v in goal["smart"].values())
    assert (goal["health"], goal["horizon"], goal["progress"]) == ("on_track", "short_term", 0)
    response = get(goals, f"/v1/goals/{goal['id']}", team.lead)
    assert response.headers["ETag"] == f'"{goal["version"]}"'
    created = outbox(goals, "goal.created")[-1]
    assert created["health"] == "on_track" and created["milestones"] == []


def test_an_empty_goal_patch_is_refused_and_one_repeating_the_goal_changes_nothing(goals):
    """A PATCH of `{}` answered 200. It is a 422 naming the fields that can be sent; one
    repeating the goal's values answers it as it is: same ETag, no goal.updated."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, title="Close 20 tickets")
    path = f"/v1/goals/{goal['id']}"
    headers = {**auth(team.lead), "If-Match": f'"{goal["version"]}"'}

    empty = goals.client.patch(path, headers=headers, json={})
    repeated = goals.client.patch(path, headers=headers, json={
        "title": "Close 20 tickets", "due_date": goal["due_date"]})

    assert empty.status_code == 422, empty.json
    assert empty.json["detail"] == (
        "An empty body changes nothing; send at least one of: title, description, why, "
        "visibility, start_date, due_date, metric, cadence, parent_id, parent_weight.")
    assert repeated.status_code == 200, repeated.json
    assert repeated.headers["ETag"] == f'"{goal["version"]}"'
    assert (repeated.json["version"], repeated.json["updated_at"]) == (
        goal["version"], goal["updated_at"])
    assert [e for e in outbox(goals, "goal.updated") if e["goal_id"] == goal["id"]] == []


def test_patch_without_if_match_is_428_and_with_a_stale_etag_is_412(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}"
    assert goals.client.patch(path, headers=auth(team.lead),
                              json={"title": "Close 30 support tickets"}).status_code == 428
    etag = get(goals, path, team.lead).headers["ETag"]
    first = goals.client.patch(path, headers={**auth(team.lead), "If-Match": etag},
                               json={"title": "Close 30 support tickets"})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    second = goals.client.patch(path, headers={**auth(team.lead), "If-Match": etag},
                                json={"title": "Close 40 support tickets"})
    assert second.status_code == 412
    assert get(goals, path, team.lead).json["title"] == "Close 30 support tickets"


def test_history_lists_every_change_with_actor_and_time(goals, clock):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    goal = create_goal(goals, token)
    clock.advance(hours=1)
    etag = get(goals, f"/v1/goals/{goal['id']}", token).headers["ETag"]
    goals.client.patch(f"/v1/goals/{goal['id']}", headers={**auth(team.lead), "If-Match": etag},
                       json={"due_date": "2031-03-20"})
    post(goals, f"/v1/goals/{goal['id']}/milestones", token, {"title": "Triage the backlog"})
    items = get(goals, f"/v1/goals/{goal['id']}/history", token).json["items"]
    assert [(i["action"], i["actor_id"]) for i in items] == [
        ("created", member_id), ("updated", team.lead_id), ("milestone_added", member_id)]
    assert items[1]["changes"] == {"due_date": ["2031-03-11", "2031-03-20"]}
    assert items[1]["at"].startswith("2031-03-02T10:00")


def test_only_a_lead_creates_a_team_goal(goals):
    team = create_team(goals)
    _, token = add_member(goals, team)
    response = post(goals, "/v1/goals", token, {"title": "Grow revenue by 10 percent",
                                                "due_date": "2031-12-31", "kind": "team"})
    assert response.status_code == 403
    assert create_goal(goals, team.lead, kind="team")["kind"] == "team"


def test_a_parent_must_be_a_team_goal_of_the_same_team_and_never_a_descendant(goals):
    team, other = create_team(goals), create_team(goals, name="Other")
    personal = create_goal(goals, team.lead)
    foreign = create_goal(goals, other.lead, kind="team")
    for parent in (personal["id"], foreign["id"]):
        response = post(goals, "/v1/goals", team.lead, {
            "title": "Close 5 support tickets", "due_date": "2031-12-31", "parent_id": parent})
        assert response.status_code == 422 and "parent_id" in response.json["errors"]
    top = create_goal(goals, team.lead, kind="team")
    child = create_goal(goals, team.lead, kind="team", parent_id=top["id"])
    etag = get(goals, f"/v1/goals/{top['id']}", team.lead).headers["ETag"]
    cycle = goals.client.patch(f"/v1/goals/{top['id']}", json={"parent_id": child["id"]},
                               headers={**auth(team.lead), "If-Match": etag})
    assert cycle.status_code == 422 and "parent_id" in cycle.json["errors"]


def test_two_goals_aligned_under_each_other_at_once_make_no_cycle_and_the_loser_is_told_to_resend(
        goals):
    """A under B and B under A at the same moment: each locks its goal, finds no cycle, then
    waits for the other's lock to roll its new parent up. PostgreSQL ends one as a deadlock,
    which answered 503 "The database is unavailable"; it is a 409 saying to send it again (and
    sent again, the cycle's 422). One goal is aligned; only its goal.updated is published."""
    team, _ = team_for_a_race(goals)
    a, b = (create_goal(goals, team.lead, kind="team", metric=None, title=f"Goal {name}")
            for name in "AB")
    before = set(outbox_by_id(goals, "goal.updated"))

    def align(goal: dict, parent: dict):
        return racer(goals, team.lead, "PATCH", f"/v1/goals/{goal['id']}",
                     json={"parent_id": parent["id"]}, headers={"If-Match": "*"})

    race = run_together(goals.container.engine,
                        lambda sql: "FOR UPDATE" in sql and "FROM goals" in sql,
                        align(a, b), align(b, a))
    answers = race.results

    assert race.held == 2
    assert sorted(r.status_code for r in answers) == [200, 409], [r.json for r in answers]
    won, lost = sorted(zip(answers, (a, b), strict=True), key=lambda pair: pair[0].status_code)
    assert lost[0].json["detail"] == ("This changed at the same moment as another change; "
                                      "send it again.")
    updated = {i: e for i, e in outbox_by_id(goals, "goal.updated").items() if i not in before}
    assert [e["goal_id"] for e in updated.values()] == [won[1]["id"]]
    again = align(lost[1], won[1])()
    assert again.status_code == 422 and again.json["errors"] == {
        "parent_id": ["Would make a cycle."]}


def team_chain(goals, team, length: int) -> list[dict]:
    """`length` team goals, each aligned under the one before: the top first."""
    chain = [create_goal(goals, team.lead, kind="team", metric=None, title="Level 1")]
    for level in range(2, length + 1):
        chain.append(create_goal(goals, team.lead, kind="team", metric=None,
                                 title=f"Level {level}", parent_id=chain[-1]["id"]))
    return chain


def test_a_chain_of_25_goals_cannot_be_closed_into_a_cycle(goals):
    """The cycle check walks the whole chain: aligning the top under the 25th level down is a
    422 (the walk used to stop at 20 levels, and took it)."""
    team = create_team(goals)
    chain = team_chain(goals, team, 25)

    cycle = goals.client.patch(f"/v1/goals/{chain[0]['id']}", json={"parent_id": chain[-1]["id"]},
                               headers={**auth(team.lead), "If-Match": "*"})

    assert cycle.status_code == 422, cycle.json
    assert cycle.json["errors"] == {"parent_id": ["Would make a cycle."]}
    assert get(goals, f"/v1/goals/{chain[0]['id']}", team.lead).json["parent_id"] is None


def test_progress_rolls_up_to_the_top_of_a_chain_of_25_goals(goals):
    """The roll-up walks the whole chain too: a goal 25 levels down moves the top's progress
    (it used to stop 20 levels up)."""
    team = create_team(goals)
    chain = team_chain(goals, team, 24)
    create_goal(goals, team.lead, parent_id=chain[-1]["id"], title="Close 20 tickets",
                metric={"unit": "tickets", "start": 0, "target": 20, "current": 5})

    assert get(goals, f"/v1/goals/{chain[0]['id']}", team.lead).json["progress"] == 0.25


def test_a_goal_is_aligned_only_under_an_open_team_goal(goals):
    """A dropped team goal no longer rolls anything up: a new goal, or an edit, that names it
    as parent is a 422 saying so, and its figure stays as it was closed with. A goal already
    aligned under it keeps its parent through an edit that names the same one."""
    team = create_team(goals)
    closed = create_goal(goals, team.lead, kind="team", metric=None, title="Grow the team")
    kept = create_goal(goals, team.lead, parent_id=closed["id"], title="Close 20 tickets",
                       metric={"unit": "tickets", "start": 0, "target": 20, "current": 10})
    post(goals, f"/v1/goals/{closed['id']}/close", team.lead, {"outcome": "dropped"})
    loner = create_goal(goals, team.lead, title="Close 30 tickets")
    before = get(goals, f"/v1/goals/{closed['id']}", team.lead).json
    written = len(outbox(goals))
    wanted = {"parent_id": ["Must be an open team goal; this one is closed as dropped."]}

    created = post(goals, "/v1/goals", team.lead, {
        "title": "Hire two engineers", "due_date": "2031-12-31", "parent_id": closed["id"],
        "metric": {"unit": "hires", "start": 0, "target": 2, "current": 2}})
    edited = goals.client.patch(f"/v1/goals/{loner['id']}", json={"parent_id": closed["id"]},
                                headers={**auth(team.lead), "If-Match": '"1"'})

    assert (created.status_code, edited.status_code) == (422, 422), (created.json, edited.json)
    assert created.json["errors"] == edited.json["errors"] == wanted
    after = get(goals, f"/v1/goals/{closed['id']}", team.lead).json
    assert (after["progress"], after["version"]) == (before["progress"], before["version"])
    assert len(outbox(goals)) == written
    same = goals.client.patch(f"/v1/goals/{kept['id']}", headers={
        **auth(team.lead), "If-Match": "*"}, json={"parent_id": closed["id"], "why": "Speed"})
    assert same.status_code == 200 and same.json["parent_id"] == closed["id"], same.json


def test_a_parent_rolls_up_its_childrens_progress_with_weights(goals):
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None,
                         milestones=[{"title": "Own step"}])
    assert parent["progress"] == 0
    light = create_goal(goals, team.lead, parent_id=parent["id"], metric=None,
                        milestones=[{"title": "One"}])
    create_goal(goals, team.lead, parent_id=parent["id"], parent_weight=3, metric=None,
                milestones=[{"title": "A"}, {"title": "B"}])
    milestone = light["milestones"][0]["id"]
    post(goals, f"/v1/goals/{light['id']}/milestones/{milestone}/complete", team.lead)
    assert get(goals, f"/v1/goals/{parent['id']}", team.lead).json["progress"] == 0.25


def test_a_draft_aligned_goal_counts_in_its_team_goals_progress_only_once_activated(goals):
    """A draft is not started: it does not pull the team goal's roll-up down, created under it
    or moved there by an edit. Activated, it counts with its weight; dropped, it stops again."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve wait times")
    create_goal(goals, team.lead, parent_id=parent["id"], title="Close 20 tickets",
                metric={"unit": "tickets", "start": 0, "target": 20, "current": 10})
    draft = create_goal(goals, team.lead, parent_id=parent["id"], status="draft",
                        title="Answer 40 calls", metric={"unit": "calls", "start": 0,
                                                         "target": 40})
    moved = create_goal(goals, team.lead, status="draft", title="Write 5 help pages",
                        metric={"unit": "pages", "start": 0, "target": 5})
    aligned = goals.client.patch(f"/v1/goals/{moved['id']}", json={"parent_id": parent["id"]},
                                 headers={**auth(team.lead), "If-Match": "*"})
    assert aligned.status_code == 200, aligned.json

    def progress() -> float:
        return get(goals, f"/v1/goals/{parent['id']}", team.lead).json["progress"]

    assert progress() == 0.5
    post(goals, f"/v1/goals/{draft['id']}/activate", team.lead)
    assert progress() == 0.25
    post(goals, f"/v1/goals/{draft['id']}/close", team.lead, {"outcome": "dropped"})
    assert progress() == 0.5


def test_a_team_goal_is_not_achieved_by_its_roll_up_while_a_draft_is_aligned_under_it(goals):
    """Left out of the roll-up, a draft is still a part of the team goal not started: the
    team goal reads 100% once the rest is done, but stays active (no goal.achieved), through
    its own edits too, until the draft is activated and done, or dropped."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve wait times")
    done = create_goal(goals, team.lead, parent_id=parent["id"], title="Close 20 tickets")
    draft = create_goal(goals, team.lead, parent_id=parent["id"], status="draft",
                        title="Answer 40 calls")
    post(goals, f"/v1/goals/{done['id']}/achieve", team.lead)
    edited = goals.client.patch(f"/v1/goals/{parent['id']}", json={"why": "Customers wait"},
                                headers={**auth(team.lead), "If-Match": "*"})
    assert edited.status_code == 200, edited.json

    def parent_now() -> tuple[str, float]:
        now = get(goals, f"/v1/goals/{parent['id']}", team.lead).json
        return now["status"], now["progress"]

    def achieved() -> list[str]:
        return [e["goal_id"] for e in outbox(goals, "goal.achieved")]

    assert parent_now() == ("active", 1.0)
    assert achieved() == [done["id"]]
    post(goals, f"/v1/goals/{draft['id']}/activate", team.lead)
    assert parent_now() == ("active", 0.5)
    post(goals, f"/v1/goals/{draft['id']}/achieve", team.lead)
    assert parent_now() == ("achieved", 1.0)
    assert achieved() == [done["id"], draft["id"], parent["id"]]


def test_a_team_goal_whose_aligned_goals_are_all_achieved_is_achieved_not_overdue(goals, clock):
    """Every goal aligned under the team goal is achieved: the team goal reads 100%. Once its
    due day is over it must not be reported `overdue` (the health of a goal that was not done)."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, title="Halve support wait times", kind="team",
                         metric=None, due_date="2031-03-11")
    child = create_goal(goals, team.lead, parent_id=parent["id"], metric=None,
                        milestones=[{"title": "Only step"}], due_date="2031-03-11")
    done = post(goals, f"/v1/goals/{child['id']}/milestones/{child['milestones'][0]['id']}"
                "/complete", team.lead).json
    assert done["status"] == "achieved"
    now = get(goals, f"/v1/goals/{parent['id']}", team.lead).json
    assert now["progress"] == 1.0
    assert now["status"] == "achieved", now["status"]
    assert [e["goal_id"] for e in outbox(goals, "goal.achieved")] == [child["id"], parent["id"]]
    clock.advance(days=10)  # 2031-03-12: the parent's due day is over
    run_job(goals)  # the scheduled health job
    after = get(goals, f"/v1/goals/{parent['id']}", team.lead).json
    assert after["progress"] == 1.0
    assert (after["status"], after["health"]) != ("active", "overdue"), after


def test_require_smart_refuses_a_vague_goal_with_the_hints_as_field_errors(goals):
    team = create_team(goals, require_smart=True)
    response = post(goals, "/v1/goals", team.lead, {"title": "Improve sales",
                                                    "due_date": "2031-12-31"})
    assert response.status_code == 422
    errors = response.json["errors"]
    assert {"title", "metric", "why"} <= set(errors)
    assert errors["metric"][0].startswith("measurable: Add a metric")
    assert create_goal(goals, team.lead)["status"] == "active"


def test_require_smart_judges_an_edit_on_what_it_changes(goals):
    """A goal made before its team turned "require SMART" on answered 422 to any PATCH, even
    one repeating its title or changing only its description. The edit answers for what it
    changes: a repeat or a description is 200; a new title must be specific, and the 422
    names the title alone, not the goal's older failings (metric, why)."""
    team = create_team(goals)
    goal = post(goals, "/v1/goals", team.lead, {"title": "Improve sales",
                                                "due_date": "2031-12-31"}).json
    goals.client.patch(f"/v1/teams/{team.id}", headers=auth(team.lead),
                       json={"require_smart": True})
    path = f"/v1/goals/{goal['id']}"

    def patch(body: dict):
        version = get(goals, path, team.lead).json["version"]
        return goals.client.patch(path, json=body,
                                  headers={**auth(team.lead), "If-Match": f'"{version}"'})

    repeated = patch({"title": "Improve sales"})
    described = patch({"description": "The spring campaign"})
    retitled = patch({"title": "Improve our sales"})

    assert repeated.status_code == 200, repeated.json
    assert repeated.json["version"] == goal["version"]
    assert described.status_code == 200, described.json
    assert described.json["description"] == "The spring campaign"
    assert retitled.status_code == 422
    assert retitled.json["detail"] == "this team requires SMART goals: specific"
    assert list(retitled.json["errors"]) == ["title"]


def test_a_metric_target_at_its_start_is_refused_and_an_old_one_reads_as_it_stands(goals):
    """A target equal to the start was taken: progress read 100% from the first day, reached
    or not. Creating or editing one is a 422 on metric.target saying how to hold a level; a
    goal saved so before reads 0% while its metric is away from the target, and stays active."""
    team = create_team(goals)
    level = {"unit": "open bugs", "start": 5, "target": 5, "direction": "decrease"}
    created = post(goals, "/v1/goals", team.lead, {
        "title": "Keep open bugs at 5", "why": "Quality", "due_date": "2031-03-11",
        "metric": level})
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}"
    edited = goals.client.patch(path, json={"metric": {**level, "unit": "tickets"}},
                                headers={**auth(team.lead), "If-Match": f'"{goal["version"]}"'})
    with goals.container.engine.begin() as conn:  # as saved before the check
        conn.execute(text("UPDATE goals SET metric_start = 20, metric_current = 12, "
                          "progress = 1.0 WHERE id = :id"), {"id": goal["id"]})
    retitled = goals.client.patch(path, json={"title": "Close 20 support tickets soon"},
                                  headers={**auth(team.lead), "If-Match": f'"{goal["version"]}"'})

    for refused in (created, edited):
        assert refused.status_code == 422, refused.json
        assert refused.json["errors"] == {"metric.target": [
            "Must differ from start: progress is the way from start to target. To hold a level "
            "instead (say, keep open bugs under 5), make a milestone goal, with a milestone for "
            "each period the level is held."]}
    assert retitled.status_code == 200, retitled.json
    read = get(goals, path, team.lead).json
    assert (read["progress"], read["status"]) == (0.0, "active")
    assert read["metric"] == {"unit": "tickets", "start": 20, "target": 20, "current": 12,
                              "direction": "increase"}


@pytest.mark.parametrize("title", [
    "Закрыть 20 заявок клиентов",          # Russian: close 20 customer tickets
    "Κλείσιμο 20 αιτημάτων υποστήριξης",   # Greek
    "サポート チケット 20件 を 完了する",      # Japanese, spaced words
])
def test_require_smart_accepts_a_concrete_title_in_another_script(goals, title):
    team = create_team(goals, require_smart=True)
    response = post(goals, "/v1/goals", team.lead, {
        "title": title, "why": "Customers wait too long", "start_date": "2031-03-02",
        "due_date": "2031-03-11", "metric": {"unit": "tickets", "start": 0, "target": 20}})
    assert response.status_code == 201, response.json.get("errors")


def test_a_metric_edited_without_its_direction_keeps_the_goals_direction(goals):
    """A PATCH of a decreasing metric's target that left out `direction` (as it leaves out
    `current`, which stays) was read as increasing: lowering the target was refused with
    "an increasing metric needs a target above its start", raising it past the start turned
    the goal into an increasing one."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, title="Cut open bugs to 10", metric={
        "unit": "open bugs", "start": 50, "target": 10, "current": 40, "direction": "decrease"})
    path = f"/v1/goals/{goal['id']}"
    headers = {**auth(team.lead), "If-Match": "*"}

    lowered = goals.client.patch(path, headers=headers, json={
        "metric": {"unit": "open bugs", "start": 50, "target": 5}})
    raised = goals.client.patch(path, headers=headers, json={
        "metric": {"unit": "open bugs", "start": 50, "target": 60}})

    assert lowered.status_code == 200, lowered.json
    assert lowered.json["metric"] == {"unit": "open bugs", "start": 50, "target": 5,
                                      "current": 40, "direction": "decrease"}
    assert (raised.status_code, raised.json["errors"]) == (422, {
        "metric.target": ["Must be below start when decreasing."]})
    assert get(goals, path, team.lead).json["metric"]["direction"] == "decrease"


def test_assess_judges_a_draft_without_saving_it(goals):
    team = create_team(goals)
    response = post(goals, "/v1/goals/assess", team.lead, {"title": "do more"})
    assert response.status_code == 200
    assert not any(v["ok"] for k, v in response.json["smart"].items() if k != "achievable")
    assert get(goals, "/v1/goals", team.lead).json["items"] == []


def test_a_member_cannot_read_a_teammates_pace_through_assess(goals, clock):
    """Olga's only goal is private. Max (not a lead, not her partner) asks /assess with
    owner_id=Olga and is told the pace *she* has shown on it, as he may not create a goal
    for her (403)."""
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga")
    _, max_token = add_member(goals, team, "Max")
    secret = create_goal(goals, olga, title="Find a new job by June", visibility="private",
                         metric=None, due_date="2031-06-01",
                         milestones=[{"title": t} for t in ("a", "b", "c", "d")])
    clock.advance(days=7)
    post(goals, f"/v1/goals/{secret['id']}/milestones/{secret['milestones'][0]['id']}/complete",
         olga)  # 25% in a week, on a private goal
    draft = {"title": "Close 20 support tickets", "why": "x", "start_date": "2031-03-09",
             "due_date": "2031-03-15", "metric": {"unit": "tickets", "start": 0, "target": 20}}
    create = post(goals, "/v1/goals", max_token, {**draft, "owner_id": olga_id})
    assert create.status_code == 403
    response = post(goals, "/v1/goals/assess", max_token, {**draft, "owner_id": olga_id})
    assert response.status_code == 403, response.json["smart"]["achievable"]["hint"]


def test_assess_for_an_unknown_owner_is_422_and_a_lead_may_name_a_member(goals):
    team = create_team(goals)
    olga_id, _ = add_member(goals, team, "Olga")
    draft = {"title": "Close 20 support tickets", "why": "x", "due_date": "2031-03-15",
             "metric": {"unit": "tickets", "start": 0, "target": 20}}
    unknown = post(goals, "/v1/goals/assess", team.lead, {**draft, "owner_id": str(uuid.uuid4())})
    assert unknown.status_code == 422 and "owner_id" in unknown.json["errors"]
    assert post(goals, "/v1/goals/assess", team.lead,
                {**draft, "owner_id": olga_id}).status_code == 200


def test_achievable_compares_with_the_pace_the_owner_has_shown(goals, clock):
    team = create_team(goals)
    past = create_goal(goals, team.lead, metric=None, due_date="2031-06-01",
                       milestones=[{"title": t} for t in ("a", "b", "c", "d")])
    clock.advance(days=7)
    post(goals, f"/v1/goals/{past['id']}/milestones/{past['milestones'][0]['id']}/complete",
         team.lead)  # 25% in a week
    response = post(goals, "/v1/goals/assess", team.lead, {
        "title": "Close 20 support tickets", "why": "x", "start_date": "2031-03-09",
        "due_date": "2031-03-15", "metric": {"unit": "tickets", "start": 0, "target": 20}})
    verdict = response.json["smart"]["achievable"]
    assert not verdict["ok"] and "4.0x the 25% a week you have shown" in verdict["hint"]


def test_lifecycle_over_http_with_a_replacement_and_a_reopen(goals):
    team = create_team(goals)
    old = create_goal(goals, team.lead, status="draft")
    assert old["health"] is None
    assert post(goals, f"/v1/goals/{old['id']}/activate", team.lead).json["health"] == "on_track"
    better = create_goal(goals, team.lead)
    closed = post(goals, f"/v1/goals/{old['id']}/close", team.lead, {
        "outcome": "dropped", "retrospective": "A better goal", "replaced_by": better["id"]})
    assert (closed.json["status"], closed.json["replaced_by"]) == ("dropped", better["id"])
    assert outbox(goals, "goal.closed")[-1]["replaced_by"] == better["id"]
    assert post(goals, f"/v1/goals/{old['id']}/close", team.lead,
                {"outcome": "missed"}).status_code == 409
    reopened = post(goals, f"/v1/goals/{old['id']}/reopen", team.lead)
    assert reopened.json["status"] == "active" and outbox(goals, "goal.reopened")


def test_an_achieved_goal_is_reopened_by_a_lead_with_its_health_published_not_by_a_teammate(
        goals):
    """Marked achieved by mistake: its owner or a lead reopens it; it is active again, judged
    on its pace, and goal.reopened says so. A teammate who may not change it gets 403."""
    team = create_team(goals)
    owner_id, owner = add_member(goals, team, "Olga")
    _, teammate = add_member(goals, team, "Tom")
    goal = create_goal(goals, owner)
    assert post(goals, f"/v1/goals/{goal['id']}/achieve", owner).json["status"] == "achieved"

    refused = post(goals, f"/v1/goals/{goal['id']}/reopen", teammate)
    assert refused.status_code == 403, refused.json
    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)

    assert reopened.status_code == 200, reopened.json
    now = get(goals, f"/v1/goals/{goal['id']}", owner).json
    assert (reopened.json["status"], now["status"], now["health"]) == (
        "active", "active", "on_track")
    event = [e for e in outbox(goals, "goal.reopened") if e["goal_id"] == goal["id"]][-1]
    assert (event["status"], event["health"]) == ("active", "on_track")
    items = get(goals, f"/v1/goals/{goal['id']}/history", owner).json["items"]
    assert [(i["action"], i["actor_id"], i["changes"].get("status")) for i in items[-2:]] == [
        ("achieved", owner_id, ["active", "achieved"]),
        ("activated", team.lead_id, ["achieved", "active"])]
    assert post(goals, f"/v1/goals/{goal['id']}/reopen", owner).status_code == 409


def test_a_goal_of_a_member_who_left_is_not_reopened_so_no_one_gone_owns_an_open_goal(goals):
    """A member may leave once their goals are closed (409 while they own an open one), but a
    lead could reopen such a goal after: it was active again under someone gone, due for
    check-ins no one would make, and the member could not be marked as left again. It is a 409
    saying who left and how to reopen it; back on the team, their goal reopens as any other."""
    team = create_team(goals)
    max_id, max_token = add_member(goals, team, "Max")
    goal = create_goal(goals, max_token, title="Write the runbook")
    post(goals, f"/v1/goals/{goal['id']}/close", max_token, {"outcome": "missed"})
    member_path = f"/v1/teams/{team.id}/members/{max_id}"
    left = goals.client.patch(member_path, headers=auth(team.lead), json={"state": "left"})
    assert left.status_code == 200, left.json

    refused = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)

    assert refused.status_code == 409, refused.json
    assert refused.json["detail"] == (
        "Max has left the team; their goal can be reopened once they are back")
    assert get(goals, f"/v1/goals/{goal['id']}", team.lead).json["status"] == "missed"
    assert [e for e in outbox(goals, "goal.reopened") if e["goal_id"] == goal["id"]] == []
    back = goals.client.patch(member_path, headers=auth(team.lead), json={"state": "active"})
    assert back.status_code == 200, back.json
    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)
    assert reopened.status_code == 200 and reopened.json["status"] == "active", reopened.json


@pytest.mark.parametrize("first", ["goal", "departure"])
def test_a_goal_made_for_a_member_as_they_leave_leaves_no_one_gone_owning_an_open_goal(
        goals, first):
    """A lead made a goal for Max while another marked Max as left: the departure found no open
    goal (the new one was not committed yet) and the goal was made for a member who had read as
    current, so both were answered (201 and 200) and someone gone owned an active goal. Making
    the goal now locks its owner's row, as the departure does: whichever reads Max first, the
    other waits for it and is refused. A departure sent once the new goal has read Max finds
    the goal (409); a goal sent once the departure has read Max's goals finds Max gone (422).
    The departure's lock on the team's row lets the new goal's foreign key be checked
    meanwhile, so the two never wait for each other (a deadlock, one told to send it again)."""
    team, max_id = team_for_a_race(goals)
    member_path = f"/v1/teams/{team.id}/members/{max_id}"
    make_goal = racer(goals, team.lead, "POST", "/v1/goals", json={
        "title": "Write the runbook", "due_date": "2031-04-01", "owner_id": max_id})
    leave = racer(goals, team.lead, "PATCH", member_path, json={"state": "left"})
    engine = goals.container.engine

    if first == "goal":  # the departure sent right after the new goal read its owner
        made, left = sent_meanwhile(engine, make_goal, "members.name AS members_name", leave)
        assert (made.status_code, left.status_code) == (201, 409), (made.json, left.json)
        assert left.json["detail"] == ("Max still owns 1 open goal (“Write the runbook”); "
                                       "close it before Max leaves the team")
    else:  # the goal sent right after the departure read Max's open goals
        left, made = sent_meanwhile(engine, leave, "FROM goals", make_goal)
        assert (made.status_code, left.status_code) == (422, 200), (made.json, left.json)
        assert made.json["detail"] == "owner not found"
    state = get(goals, member_path, team.lead).json["state"]
    owned = get(goals, f"/v1/goals?owner_id={max_id}", team.lead).json["items"]
    assert (state, [g["status"] for g in owned]) == (
        ("active", ["active"]) if first == "goal" else ("left", []))



def test_a_template_a_member_fills_as_a_lead_marks_them_left_makes_no_goal(goals):
    """Max filled a template while a lead marked him as left, after the request had read him
    (for his today): the new goal locked his row, then went on with the Max read before the
    departure, and a member who left owned a draft. The locked row is read afresh: Max is gone,
    422 on the owner, and no goal is made."""
    if goals.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    team = create_team(goals)
    max_id, max_token = add_member(goals, team, "Max")

    left = []

    def leave():  # in a thread of its own: a request of its own, in a transaction of its own
        left.extend(at_once(racer(goals, team.lead, "PATCH",
                                  f"/v1/teams/{team.id}/members/{max_id}",
                                  json={"state": "left"})))

    hook = once_after("members.name AS members_name", leave, thread=threading.get_ident())
    event.listen(goals.container.engine, "after_cursor_execute", hook)
    try:
        made = post(goals, "/v1/goal-templates/informational-interviews/instantiate",
                    max_token, {"parameters": {"n": 3}})
    finally:
        event.remove(goals.container.engine, "after_cursor_execute", hook)

    assert [r.status_code for r in left] == [200], [r.json for r in left]
    assert made.status_code == 422, made.json
    assert made.json["errors"] == {"owner_id": ["No current member with this id."]}
    assert get(goals, f"/v1/goals?owner_id={max_id}", team.lead).json["items"] == []


def test_a_team_goal_rolled_up_by_two_new_goals_at_once_takes_a_new_etag_for_each(goals):
    """Ana aligned a new goal under a team goal that Ben's new goal had just moved: her request
    had read the team goal before Ben's committed, and rolled it up from that copy once it had
    locked it. The team goal kept Ben's version with her figure, so an edit made with the ETag
    Ben's change gave it was taken over a progress its sender never saw, and its history said
    the figure moved from where it stood before Ben's goal. The locked copy is read afresh:
    each roll-up takes a version of its own, from the figure the other left."""
    if goals.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve the backlog")
    _, ana = add_member(goals, team, "Ana")
    _, ben = add_member(goals, team, "Ben")

    def aligned(token: str, current: int):
        return racer(goals, token, "POST", "/v1/goals", json={
            "title": "Close support tickets", "due_date": "2031-03-11", "parent_id": parent["id"],
            "metric": {"unit": "tickets", "start": 0, "target": 4, "current": current}})

    bens = []
    hook = once_after("FROM goals", lambda: bens.extend(at_once(aligned(ben, 1))),
                      thread=threading.get_ident())
    event.listen(goals.container.engine, "after_cursor_execute", hook)
    try:
        anas = aligned(ana, 3)()
    finally:
        event.remove(goals.container.engine, "after_cursor_execute", hook)

    assert (bens[0].status_code, anas.status_code) == (201, 201), (bens[0].json, anas.json)
    now = get(goals, f"/v1/goals/{parent['id']}", team.lead)
    assert (now.json["progress"], now.headers["ETag"]) == (0.5, f'"{parent["version"] + 2}"')
    rolled = [item["changes"]["progress"] for item in get(
        goals, f"/v1/goals/{parent['id']}/history", team.lead).json["items"]
        if item["action"] == "progress_rolled_up"]
    assert rolled == [[0.0, 0.25], [0.25, 0.5]]
    bens_etag = f'"{parent["version"] + 1}"'  # the team goal's once Ben's goal rolled it up
    stale = goals.client.patch(f"/v1/goals/{parent['id']}", json={"title": "Halve it"},
                               headers={**auth(team.lead), "If-Match": bens_etag})
    assert stale.status_code == 412, stale.json


def test_an_achieved_team_goal_keeps_its_figures_until_it_is_reopened(goals):
    """A team goal achieved by its aligned goals keeps the progress, health and history it
    was achieved with when they are reopened after it (they still name it as their parent);
    its own owner or a lead reopens it, and it rolls up their current figures again, active
    while that roll-up is short."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve wait times")
    done = create_goal(goals, team.lead, parent_id=parent["id"], title="Close 20 tickets")
    dropped = create_goal(goals, team.lead, parent_id=parent["id"], title="Hire a helper",
                          metric={"unit": "hires", "start": 0, "target": 2, "current": 1})
    post(goals, f"/v1/goals/{dropped['id']}/close", team.lead, {"outcome": "dropped"})
    post(goals, f"/v1/goals/{done['id']}/achieve", team.lead)

    def parent_now() -> tuple:
        now = get(goals, f"/v1/goals/{parent['id']}", team.lead).json
        return now["status"], now["progress"], now["health"], now["version"]

    def history() -> tuple[list, int]:
        items = get(goals, f"/v1/goals/{parent['id']}/history", team.lead).json["items"]
        moves = [e for e in outbox(goals, "goal.progressed") if e["goal_id"] == parent["id"]]
        return items, len(moves)

    ended, ended_history = parent_now(), history()
    assert ended[:3] == ("achieved", 1.0, "done")

    post(goals, f"/v1/goals/{dropped['id']}/reopen", team.lead)
    reopened = post(goals, f"/v1/goals/{done['id']}/reopen", team.lead)

    assert reopened.status_code == 200 and reopened.json["status"] == "active", reopened.json
    assert (parent_now(), history()) == (ended, ended_history)
    children = [get(goals, f"/v1/goals/{g['id']}", team.lead).json["parent_id"]
                for g in (done, dropped)]
    assert children == [parent["id"], parent["id"]]
    back = post(goals, f"/v1/goals/{parent['id']}/reopen", team.lead).json
    assert (back["status"], back["progress"], back["health"]) == ("active", 0.25, "on_track")
    assert [e["goal_id"] for e in outbox(goals, "goal.reopened")] == [
        dropped["id"], done["id"], parent["id"]]


EVENTS = ("goal.reopened", "goal.progressed")


def test_a_team_goal_reopened_announces_the_figure_it_reopens_with(goals):
    """Closed as partial at an eighth, a team goal whose aligned goal was achieved meanwhile
    reopens at half. goal.reopened carried the eighth it was closed with (a goal.progressed
    followed with the half): notifications' copy read the old figure until the second. Its one
    goal.reopened now carries the progress, health and version the goal reads once reopened,
    and no goal.progressed follows it (the reopening's own event says the figure)."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve wait times")
    quick = create_goal(goals, team.lead, parent_id=parent["id"], title="Close 20 tickets",
                        metric={"unit": "tickets", "start": 0, "target": 20, "current": 5})
    create_goal(goals, team.lead, parent_id=parent["id"], title="Answer 20 calls",
                metric={"unit": "calls", "start": 0, "target": 20, "current": 0})
    post(goals, f"/v1/goals/{parent['id']}/close", team.lead, {"outcome": "partial"})
    post(goals, f"/v1/goals/{quick['id']}/achieve", team.lead)
    before = {kind: set(outbox_by_id(goals, kind)) for kind in EVENTS}

    reopened = post(goals, f"/v1/goals/{parent['id']}/reopen", team.lead)

    assert reopened.status_code == 200, reopened.json
    now = get(goals, f"/v1/goals/{parent['id']}", team.lead).json
    new = {kind: [e for i, e in outbox_by_id(goals, kind).items()
                  if i not in before[kind] and e["goal_id"] == parent["id"]]
           for kind in EVENTS}
    (announced,) = new["goal.reopened"]
    assert (announced["progress"], announced["health"], announced["version"]) == (
        now["progress"], now["health"], now["version"])
    assert (now["status"], now["progress"]) == ("active", 0.5)
    assert new["goal.progressed"] == []


def test_closing_with_an_unknown_replacement_is_422(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    response = post(goals, f"/v1/goals/{goal['id']}/close", team.lead, {
        "outcome": "dropped", "replaced_by": "00000000-0000-4000-8000-000000000000"})
    assert response.status_code == 422 and "replaced_by" in response.json["errors"]


def test_a_replacement_the_caller_may_not_see_is_422_as_if_it_did_not_exist(goals):
    """A teammate's private goal is hidden from a member: naming it as the replacement of
    their own goal answers as an unknown id does, and the goal stays open."""
    team = create_team(goals)
    _, owner = add_member(goals, team, "Olga")
    _, teammate = add_member(goals, team, "Tom")
    hidden = create_goal(goals, teammate, visibility="private", title="Find a new job")
    goal = create_goal(goals, owner)
    unknown = post(goals, f"/v1/goals/{goal['id']}/close", owner, {
        "outcome": "dropped", "replaced_by": "00000000-0000-4000-8000-000000000000"})

    named = post(goals, f"/v1/goals/{goal['id']}/close", owner, {
        "outcome": "dropped", "replaced_by": hidden["id"]})

    assert (named.status_code, named.json["errors"]) == (422, unknown.json["errors"]), named.json
    assert get(goals, f"/v1/goals/{goal['id']}", owner).json["status"] == "active"
    assert outbox(goals, "goal.closed") == []


def test_a_replacement_already_achieved_or_closed_is_422_naming_its_status(goals):
    """A goal could be dropped as replaced by one already achieved or itself dropped (even
    by the goal it replaced): 200, a "replaced by" pointing at a goal that carries nothing on.
    The goal page offers only draft and active goals; the API now holds to that too."""
    team = create_team(goals)
    achieved = create_goal(goals, team.lead, title="Answer every ticket within a day")
    post(goals, f"/v1/goals/{achieved['id']}/achieve", team.lead)
    first, second = create_goal(goals, team.lead), create_goal(goals, team.lead)
    post(goals, f"/v1/goals/{first['id']}/close", team.lead,
         {"outcome": "dropped", "replaced_by": second["id"]})

    by_achieved = post(goals, f"/v1/goals/{second['id']}/close", team.lead,
                       {"outcome": "dropped", "replaced_by": achieved["id"]})
    by_dropped = post(goals, f"/v1/goals/{second['id']}/close", team.lead,
                      {"outcome": "dropped", "replaced_by": first["id"]})

    assert (by_achieved.status_code, by_achieved.json["errors"]) == (422, {
        "replaced_by": ["Must be a draft or active goal; this one is achieved."]})
    assert by_dropped.json["detail"] == (
        "a replacement must be a draft or active goal; “Close 20 support tickets” is "
        "closed as dropped")
    assert get(goals, f"/v1/goals/{second['id']}", team.lead).json["status"] == "active"
    assert [e["goal_id"] for e in outbox(goals, "goal.closed")] == [first["id"]]
    draft = create_goal(goals, team.lead, status="draft", title="Staff a weekend rota")
    replaced = post(goals, f"/v1/goals/{second['id']}/close", team.lead,
                    {"outcome": "dropped", "replaced_by": draft["id"]})
    assert replaced.json["replaced_by"] == draft["id"], replaced.json


def test_goal_progressed_carries_the_metrics_value_and_none_for_a_goal_without_one(goals):
    """goal.progressed's previous and current are the goal's metric value, as goal.* events
    carry it (metric.current) and Slack shows it ("Now at 4 steps"). A goal measured by its
    milestones, or rolled up, has none: both are None, its share done is `progress` alone
    (current read 0.5, which Slack's App Home showed as "Now at 0.5")."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve wait times")
    goal = create_goal(goals, team.lead, metric=None, parent_id=parent["id"],
                       milestones=[{"title": "Draft"}, {"title": "Ship"}])
    done = post(goals, f"/v1/goals/{goal['id']}/milestones/{goal['milestones'][0]['id']}"
                "/complete", team.lead)
    assert done.status_code == 200, done.json

    figures = {e["goal_id"]: (e["previous"], e["current"], e["progress"], e["source"])
               for e in outbox(goals, "goal.progressed")}
    assert figures == {goal["id"]: (None, None, 0.5, "milestone"),
                       parent["id"]: (None, None, 0.5, "rollup")}


def test_milestones_are_added_reordered_completed_and_reopened(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None)
    ids = [post(goals, f"/v1/goals/{goal['id']}/milestones", team.lead,
                {"title": t, "due_date": "2031-03-05"}).json["id"] for t in ("one", "two")]
    order = goals.client.put(f"/v1/goals/{goal['id']}/milestones/order", headers=auth(team.lead),
                             json={"milestone_ids": ids[::-1]})
    assert [m["title"] for m in order.json["milestones"]] == ["two", "one"]
    done = post(goals, f"/v1/goals/{goal['id']}/milestones/{ids[0]}/complete", team.lead).json
    assert done["progress"] == 0.5
    assert outbox(goals, "goal.milestone_completed")[-1]["milestone_id"] == ids[0]
    reopened = post(goals, f"/v1/goals/{goal['id']}/milestones/{ids[0]}/reopen", team.lead)
    assert reopened.json["progress"] == 0


def test_a_milestone_order_repeating_the_current_one_changes_nothing(goals):
    """A PUT of the order the milestones already had answered 200 and published goal.updated
    with a new version: partners were told of a change nobody made. It answers the pathway as
    it is, and the goal keeps its version; nothing is published."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, title="Ship the onboarding flow",
                       milestones=[{"title": "Draft"}, {"title": "Review"}])
    path = f"/v1/goals/{goal['id']}"
    ids = [m["id"] for m in goal["milestones"]]

    order = goals.client.put(f"{path}/milestones/order", headers=auth(team.lead),
                             json={"milestone_ids": ids})

    assert order.status_code == 200, order.json
    assert [m["id"] for m in order.json["milestones"]] == ids
    after = get(goals, path, team.lead).json
    assert (after["version"], after["updated_at"]) == (goal["version"], goal["updated_at"])
    assert [e for e in outbox(goals, "goal.updated") if e["goal_id"] == goal["id"]] == []


def test_a_goal_is_not_aligned_under_an_achieved_team_goal(goals):
    """An achieved team goal keeps the figures it ended with, so a goal aligned under it would
    never count; naming it as parent was accepted all the same. It is a 422 as for a closed
    one, and the achieved goal is left as it was."""
    team = create_team(goals)
    done = create_goal(goals, team.lead, kind="team", metric=None, title="Grow the team")
    assert post(goals, f"/v1/goals/{done['id']}/achieve", team.lead).status_code == 200
    before = get(goals, f"/v1/goals/{done['id']}", team.lead).json

    aligned = post(goals, "/v1/goals", team.lead, {
        "title": "Hire two engineers", "due_date": "2031-12-31", "parent_id": done["id"],
        "metric": {"unit": "hires", "start": 0, "target": 2, "current": 0}})

    assert (aligned.status_code, aligned.json["errors"]) == (422, {"parent_id": [
        "Must be an open team goal; this one is achieved."]})
    after = get(goals, f"/v1/goals/{done['id']}", team.lead).json
    assert (after["progress"], after["version"]) == (before["progress"], before["version"])


def test_a_refusal_says_the_goals_status_in_words(goals):
    """A refusal read "this one is draft" or "this one is partial": the API's names, shown
    verbatim by the web app and Slack. It says "a draft" and "closed as partly reached"."""
    team = create_team(goals)
    draft = create_goal(goals, team.lead, status="draft", title="Close 10 support tickets")
    partly = create_goal(goals, team.lead, kind="team", metric=None, title="Grow the team")
    post(goals, f"/v1/goals/{partly['id']}/close", team.lead, {"outcome": "partial"})

    achieved = post(goals, f"/v1/goals/{draft['id']}/achieve", team.lead)
    activated = post(goals, f"/v1/goals/{partly['id']}/activate", team.lead)
    aligned = post(goals, "/v1/goals", team.lead, {
        "title": "Hire two engineers", "due_date": "2031-12-31", "parent_id": partly["id"],
        "metric": {"unit": "hires", "start": 0, "target": 2, "current": 0}})

    assert (achieved.status_code, achieved.json["detail"]) == (
        409, "only an active goal can be achieved; this one is a draft")
    assert (activated.status_code, activated.json["detail"]) == (
        409, "only a draft goal can be activated; this one is closed as partly reached")
    assert (aligned.status_code, aligned.json["errors"]) == (422, {"parent_id": [
        "Must be an open team goal; this one is closed as partly reached."]})


def test_a_closed_goals_milestones_and_pathways_stay_as_they_were_until_it_is_reopened(goals):
    """A goal closed with its retrospective keeps its plan: adding, completing, reopening or
    reordering milestones, and adding or switching pathways, are refused (409, saying why),
    and nothing is announced; reopened, it takes them again."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, title="Ship the onboarding flow",
                       milestones=[{"title": "Draft"}, {"title": "Review"}])
    path = f"/v1/goals/{goal['id']}"
    plan_b = post(goals, f"{path}/pathways", team.lead, {"name": "Plan B"}).json
    first, second = (m["id"] for m in goal["milestones"])
    post(goals, f"{path}/milestones/{second}/complete", team.lead)
    post(goals, f"{path}/close", team.lead, {"outcome": "dropped", "retrospective": "Not now"})
    before = get(goals, path, team.lead).json
    announced = len(outbox(goals))

    refused = [
        post(goals, f"{path}/milestones", team.lead, {"title": "Launch"}),
        post(goals, f"{path}/milestones/{first}/complete", team.lead),
        post(goals, f"{path}/milestones/{second}/reopen", team.lead),
        goals.client.put(f"{path}/milestones/order", headers=auth(team.lead),
                         json={"milestone_ids": [second, first]}),
        post(goals, f"{path}/pathways", team.lead, {"name": "Plan C"}),
        post(goals, f"{path}/pathways/{plan_b['id']}/activate", team.lead, {"reason": "Faster"}),
    ]

    assert [r.status_code for r in refused] == [409] * 6, [r.json for r in refused]
    assert {r.json["detail"] for r in refused} == {
        "goal “Ship the onboarding flow” is closed as dropped; reopen it before changing its "
        "milestones or pathways"}
    after = get(goals, path, team.lead).json
    assert (after["milestones"], after["pathways"], after["progress"], after["version"]) == (
        before["milestones"], before["pathways"], before["progress"], before["version"])
    assert len(outbox(goals)) == announced
    post(goals, f"{path}/reopen", team.lead)
    assert post(goals, f"{path}/milestones/{first}/complete", team.lead).status_code == 200
    assert outbox(goals, "goal.milestone_completed")[-1]["milestone_id"] == first


def test_a_closed_goals_metric_stays_as_it_was_until_it_is_reopened(goals):
    """A closed goal's metric follows its plan: a PATCH of its target, current figure or unit
    is refused (409, saying why), the goal is unchanged and nothing about it is announced;
    reopened, the same PATCH is taken."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, title="Close 20 support tickets",
                       metric={"unit": "tickets", "start": 0, "target": 20, "current": 5})
    path = f"/v1/goals/{goal['id']}"
    post(goals, f"{path}/close", team.lead, {"outcome": "missed", "retrospective": "Too few"})
    before = get(goals, path, team.lead).json
    announced = [e for e in outbox(goals) if e.get("goal_id") == goal["id"]]
    edits = [{"unit": "tickets", "start": 0, "target": 10},
             {"unit": "tickets", "start": 0, "target": 20, "current": 20},
             {"unit": "calls", "start": 0, "target": 20}]

    refused = [edit_metric(goals, path, team.lead, metric, why="Fewer waits") for metric in edits]

    assert [r.status_code for r in refused] == [409] * 3, [r.json for r in refused]
    assert {r.json["detail"] for r in refused} == {
        "goal “Close 20 support tickets” is closed as missed; reopen it before changing its "
        "metric"}
    after = get(goals, path, team.lead).json
    assert (after["metric"], after["why"], after["progress"], after["version"]) == (
        before["metric"], before["why"], before["progress"], before["version"])
    assert [e for e in outbox(goals) if e.get("goal_id") == goal["id"]] == announced
    post(goals, f"{path}/reopen", team.lead)
    taken = edit_metric(goals, path, team.lead, edits[0])
    assert taken.status_code == 200 and taken.json["metric"]["target"] == 10, taken.json


def edit_metric(goals, path: str, member, metric: dict, **more):
    """`member`'s PATCH of the goal at `path` to `metric` (and `more` fields), whatever its
    version (If-Match: *)."""
    return goals.client.patch(path, headers={**auth(member), "If-Match": "*"},
                              json={"metric": metric, **more})


def test_an_achieved_goals_metric_stays_as_it_was_until_it_is_reopened(goals):
    """An achieved goal's metric could be edited: a target raised past its figure left it
    achieved at 50%, done and counted whole in its parent's roll-up. As a closed goal's, the
    edit is refused (409 naming reopen) and nothing changes; reopened, it is taken and the
    goal is judged on its new target."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, title="Close 20 support tickets",
                       metric={"unit": "tickets", "start": 0, "target": 20, "current": 20})
    path = f"/v1/goals/{goal['id']}"
    before = get(goals, path, team.lead).json
    assert (before["status"], before["progress"]) == ("achieved", 1.0)
    announced = [e for e in outbox(goals) if e.get("goal_id") == goal["id"]]
    edits = [{"unit": "tickets", "start": 0, "target": 40},
             {"unit": "tickets", "start": 30, "target": 10, "direction": "decrease"},
             {"unit": "calls", "start": 0, "target": 20}]

    refused = [edit_metric(goals, path, team.lead, metric, why="Fewer waits") for metric in edits]

    assert [r.status_code for r in refused] == [409] * 3, [r.json for r in refused]
    assert {r.json["detail"] for r in refused} == {
        "goal “Close 20 support tickets” is achieved; reopen it before changing its metric"}
    after = get(goals, path, team.lead).json
    assert (after["status"], after["metric"], after["why"], after["progress"],
            after["version"]) == (before["status"], before["metric"], before["why"],
                                  before["progress"], before["version"])
    assert [e for e in outbox(goals) if e.get("goal_id") == goal["id"]] == announced
    post(goals, f"{path}/reopen", team.lead)
    taken = edit_metric(goals, path, team.lead, edits[0])
    assert taken.status_code == 200, taken.json
    assert (taken.json["status"], taken.json["progress"]) == ("active", 0.5)


def test_a_milestone_due_after_its_goal_is_refused_naming_the_goals_due_date(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, due_date="2031-03-11")
    path = f"/v1/goals/{goal['id']}/milestones"
    written = len(outbox(goals))

    late = post(goals, path, team.lead, {"title": "Launch", "due_date": "2031-03-12"})

    assert late.status_code == 422, late.json
    assert late.json["errors"] == {
        "due_date": ["Must be on or before the goal's due date, 2031-03-11."]}
    assert get(goals, f"/v1/goals/{goal['id']}", team.lead).json["milestones"] == []
    assert len(outbox(goals)) == written
    on_the_day = post(goals, path, team.lead, {"title": "Launch", "due_date": "2031-03-11"})
    assert on_the_day.status_code == 201, on_the_day.json
    created = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Ship the onboarding flow", "due_date": "2031-03-11", "why": "New users",
        "milestones": [{"title": "Draft", "due_date": "2031-03-05"},
                       {"title": "Launch", "due_date": "2031-04-01"}]})
    assert created.status_code == 422, created.json
    assert created.json["errors"] == {
        "milestones.1.due_date": ["Must be on or before the goal's due date, 2031-03-11."]}


def test_a_due_date_moved_before_a_milestone_is_refused_naming_the_milestone(goals):
    """Moving a goal's due date before its milestones' (on any pathway) answered 200, leaving
    a milestone due after its goal, which adding it would have refused."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, due_date="2031-03-31",
                       milestones=[{"title": "Draft", "due_date": "2031-03-10"}])
    plan_b = post(goals, f"/v1/goals/{goal['id']}/pathways", team.lead, {"name": "Plan B"}).json
    post(goals, f"/v1/goals/{goal['id']}/milestones", team.lead,
         {"title": "Launch", "due_date": "2031-03-20", "pathway_id": plan_b["id"]})
    path = f"/v1/goals/{goal['id']}"
    etag = get(goals, path, team.lead).headers["ETag"]
    headers = {**auth(team.lead), "If-Match": etag}

    early = goals.client.patch(path, headers=headers, json={"due_date": "2031-03-15"})

    assert early.status_code == 422, early.json
    assert early.json["errors"] == {
        "due_date": ["Must be on or after 2031-03-20, when milestone “Launch” is due."]}
    assert get(goals, path, team.lead).json["due_date"] == "2031-03-31"
    on_the_day = goals.client.patch(path, headers=headers, json={"due_date": "2031-03-20"})
    assert on_the_day.status_code == 200, on_the_day.json


def test_a_milestone_due_before_its_goal_starts_is_refused_naming_the_start_date(goals):
    """A milestone due before its goal's start date was taken (on creation, added, or left
    behind by a start date moved past it): a step of a goal that has not begun. Each is a 422
    naming the dates; a milestone due on the start date is taken."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, start_date="2031-03-05",
                       due_date="2031-03-31",
                       milestones=[{"title": "Draft", "due_date": "2031-03-10"}])
    path = f"/v1/goals/{goal['id']}"
    written = len(outbox(goals))

    early = post(goals, f"{path}/milestones", team.lead,
                 {"title": "Kick-off", "due_date": "2031-03-04"})
    created = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Ship the onboarding flow", "why": "New users", "start_date": "2031-03-05",
        "due_date": "2031-03-31", "milestones": [{"title": "Draft", "due_date": "2031-03-04"}]})
    unstated = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Ship the onboarding flow", "why": "New users", "due_date": "2031-03-31",
        "milestones": [{"title": "Draft", "due_date": "2031-03-01"}]})
    moved = goals.client.patch(path, headers={**auth(team.lead), "If-Match": "*"},
                               json={"start_date": "2031-03-11"})

    assert [r.status_code for r in (early, created, unstated, moved)] == [422] * 4, [
        r.json for r in (early, created, unstated, moved)]
    assert early.json["errors"] == {
        "due_date": ["Must be on or after the goal's start date, 2031-03-05."]}
    assert created.json["errors"] == {
        "milestones.0.due_date": ["Must be on or after the goal's start date, 2031-03-05."]}
    assert unstated.json["errors"] == {"milestones.0.due_date": [
        "Must be on or after the goal's start date, 2031-03-02 (today in UTC, as no "
        "start_date was given)."]}
    assert moved.json["errors"] == {
        "start_date": ["Must be on or before 2031-03-10, when milestone “Draft” is due."]}
    after = get(goals, path, team.lead).json
    assert (after["start_date"], [m["title"] for m in after["milestones"]]) == (
        "2031-03-05", ["Draft"])
    assert len(outbox(goals)) == written
    on_the_day = post(goals, f"{path}/milestones", team.lead,
                      {"title": "Kick-off", "due_date": "2031-03-05"})
    assert on_the_day.status_code == 201, on_the_day.json
    moved_to_it = goals.client.patch(path, headers={**auth(team.lead), "If-Match": "*"},
                                     json={"start_date": "2031-03-05"})
    assert moved_to_it.status_code == 200, moved_to_it.json


def test_completing_every_milestone_achieves_a_goal_without_metric(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, milestones=[{"title": "Only step"}])
    done = post(goals, f"/v1/goals/{goal['id']}/milestones/{goal['milestones'][0]['id']}/complete",
                team.lead).json
    assert (done["status"], done["health"]) == ("achieved", "done")
    assert len(outbox(goals, "goal.achieved")) == 1


def test_a_goal_created_with_its_target_already_reached_is_achieved(goals):
    """Logging a goal already met (current at the target): it reads 100%, so it is achieved,
    as it is when a check-in or an edit reaches the target."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric={"unit": "tickets", "start": 0, "target": 20,
                                                 "current": 20})
    assert goal["progress"] == 1.0
    assert (goal["status"], goal["health"]) == ("achieved", "done"), (goal["status"],
                                                                      goal["health"])
    assert len(outbox(goals, "goal.achieved")) == 1


def test_a_goal_created_already_met_does_not_turn_overdue(goals, clock):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric={"unit": "tickets", "start": 0, "target": 20,
                                                 "current": 20}, due_date="2031-03-11")
    clock.advance(days=10)
    run_job(goals)
    after = get(goals, f"/v1/goals/{goal['id']}", team.lead).json
    assert after["progress"] == 1.0
    assert after["health"] != "overdue", (after["status"], after["health"])


def test_a_new_pathway_becomes_active_with_a_reason(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, milestones=[{"title": "Apply online"}])
    plan = post(goals, f"/v1/goals/{goal['id']}/pathways", team.lead, {"name": "Referrals"}).json
    switched = post(goals, f"/v1/goals/{goal['id']}/pathways/{plan['id']}/activate", team.lead,
                    {"reason": "No answers from online applications"}).json
    assert switched["milestones"] == []
    assert [p["active"] for p in switched["pathways"]] == [False, True]
    event = outbox(goals, "goal.pathway_switched")[-1]
    assert (event["pathway_name"], event["reason"]) == ("Referrals",
                                                        "No answers from online applications")


def test_a_teammate_may_read_but_not_change_someone_elses_goal(goals):
    team = create_team(goals)
    _, owner = add_member(goals, team, "Olga")
    _, other = add_member(goals, team, "Max")
    goal = create_goal(goals, owner)
    assert get(goals, f"/v1/goals/{goal['id']}", other).status_code == 200
    assert post(goals, f"/v1/goals/{goal['id']}/milestones", other,
                {"title": "Sneak in"}).status_code == 403


def test_a_goal_with_neither_metric_nor_milestones_is_kept_but_not_measurable(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None)
    assert (goal["progress"], goal["metric"], goal["milestones"]) == (0, None, [])
    assert not goal["smart"]["measurable"]["ok"]
    achieved = post(goals, f"/v1/goals/{goal['id']}/achieve", team.lead).json
    assert (achieved["status"], achieved["health"]) == ("achieved", "done")


def test_a_title_or_unit_of_spaces_only_is_refused_naming_the_field(goals):
    """A title of spaces made a goal the board lists with no name, and a unit of spaces one
    "measured in   "; a milestone or an edit likewise. Each is a 422 on its field."""
    team = create_team(goals)
    refused = "Must not be blank."
    blank_title = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "   ", "why": "Customers wait", "due_date": "2031-03-11"})
    blank_unit = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Close 20 support tickets", "due_date": "2031-03-11",
        "metric": {"unit": " \n ", "start": 0, "target": 20}})
    goal = create_goal(goals, team.lead)
    blank_step = post(goals, f"/v1/goals/{goal['id']}/milestones", team.lead, {"title": "\t"})
    blank_edit = goals.client.patch(f"/v1/goals/{goal['id']}", json={"title": "  "}, headers={
        **auth(team.lead), "If-Match": f'"{goal["version"]}"'})

    assert [(r.status_code, r.json["errors"]) for r in (
        blank_title, blank_unit, blank_step, blank_edit)] == [
        (422, {"title": [refused]}), (422, {"metric.unit": [refused]}),
        (422, {"title": [refused]}), (422, {"title": [refused]})]
    kept = get(goals, f"/v1/goals/{goal['id']}", team.lead).json
    assert (kept["title"], kept["milestones"]) == (goal["title"], [])
    assert [g["id"] for g in get(goals, "/v1/goals", team.lead).json["items"]] == [goal["id"]]


def test_an_empty_title_name_or_unit_is_refused_as_blank_and_a_long_one_for_its_length(goals):
    """An empty title, unit or member's name was refused with "Length must be between 1 and
    200." (or 50) and one of spaces with other words than checkins' for a blank comment: each
    now says "Must not be blank.", as checkins does; a title too long still says its length."""
    team = create_team(goals)
    empty = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "", "due_date": "2031-03-11", "metric": {"unit": "", "start": 0, "target": 3}})
    name = goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
        "name": "", "email": "ada@example.com", "timezone": "UTC"})
    long_title = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "x" * 201, "due_date": "2031-03-11"})

    assert [(r.status_code, r.json["errors"]) for r in (empty, name, long_title)] == [
        (422, {"title": ["Must not be blank."], "metric.unit": ["Must not be blank."]}),
        (422, {"name": ["Must not be blank."]}),
        (422, {"title": ["Length must be between 1 and 200."]})]
    assert get(goals, "/v1/goals", team.lead).json["items"] == []


def test_a_title_name_or_unit_of_invisible_characters_or_on_two_lines_is_refused(goals):
    """A title of zero-width spaces made a goal listed with no name, as one of spaces did; a
    title, a unit or a member's name with a line break broke the one line each is shown on
    (a board card, a Slack message, a calendar's name). Each is a 422 on its field."""
    team = create_team(goals)
    invisible = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "\u200b\u200b\u2060", "due_date": "2031-03-11"})
    two_lines = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Close 20\nsupport tickets", "due_date": "2031-03-11",
        "metric": {"unit": "tickets\r\nclosed", "start": 0, "target": 20}})
    name = goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
        "name": "Ada\nLovelace", "email": "ada@example.com", "timezone": "UTC"})

    assert (invisible.status_code, invisible.json["errors"]) == (
        422, {"title": ["Must not be blank."]})
    assert (two_lines.status_code, two_lines.json["errors"]) == (
        422, {"title": ["Must be one line."], "metric.unit": ["Must be one line."]})
    assert (name.status_code, name.json["errors"]) == (422, {"name": ["Must be one line."]})
    assert get(goals, "/v1/goals", team.lead).json["items"] == []


def test_a_due_date_on_or_before_the_start_is_422(goals):
    team = create_team(goals)
    response = post(goals, "/v1/goals", team.lead, {
        "title": "Close 20 support tickets", "start_date": "2031-03-05",
        "due_date": "2031-03-05"})
    assert response.status_code == 422 and "due_date" in response.json["errors"]


def test_a_window_refused_names_the_field_changed_and_the_day_it_is_judged_against(
        goals, clock):
    """Without a start_date a goal starts on its owner's today, in their zone, which can be a
    day ahead of UTC's: the refusal says which day that was. An edit is refused on the date it
    moved, naming the other."""
    team = create_team(goals)
    _, token = add_member(goals, team, "Kai", timezone="Pacific/Kiritimati")  # UTC+14
    clock.advance(hours=3)  # 2031-03-02 12:00 UTC, 2031-03-03 02:00 in Kiritimati

    created = post(goals, "/v1/goals", token, {
        "title": "Close 20 support tickets", "due_date": "2031-03-03"})
    goal = create_goal(goals, token, start_date="2031-03-04", due_date="2031-03-11")
    path, if_match = f"/v1/goals/{goal['id']}", {**auth(token), "If-Match": "*"}
    started_late = goals.client.patch(path, headers=if_match, json={"start_date": "2031-03-12"})
    due_early = goals.client.patch(path, headers=if_match, json={"due_date": "2031-03-04"})

    assert [r.status_code for r in (created, started_late, due_early)] == [422] * 3
    assert created.json["errors"] == {"due_date": [
        "Must be after the start date, 2031-03-03 (today in Pacific/Kiritimati, as no "
        "start_date was given)."]}
    assert started_late.json["errors"] == {
        "start_date": ["Must be before the due date, 2031-03-11."]}
    assert due_early.json["errors"] == {"due_date": ["Must be after the start date, 2031-03-04."]}
    now = get(goals, path, token).json
    assert (now["start_date"], now["due_date"], now["version"]) == (
        "2031-03-04", "2031-03-11", goal["version"])


def test_a_goal_created_twice_under_one_idempotency_key_is_created_once(goals):
    """A double submit, or a retry after a timeout whose answer was lost, gets the first
    answer back: one goal, one goal.created. The same key with another body is refused."""
    team = create_team(goals)
    body = {"title": "Close 20 support tickets", "why": "Customers wait too long",
            "start_date": "2031-03-02", "due_date": "2031-03-11",
            "metric": {"unit": "tickets", "start": 0, "target": 20}}
    headers = {**auth(team.lead), "Idempotency-Key": "new-goal-1"}
    first = goals.client.post("/v1/goals", headers=headers, json=body)
    again = goals.client.post("/v1/goals", headers=headers, json=dict(reversed(body.items())))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    listed = get(goals, "/v1/goals", team.lead).json["items"]
    assert [g["id"] for g in listed] == [first.json["id"]]
    assert [e["goal_id"] for e in outbox(goals, "goal.created")] == [first.json["id"]]

    other = goals.client.post("/v1/goals", headers=headers,
                              json={**body, "title": "Close 30 support tickets"})
    assert other.status_code == 422 and other.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    _, mate = add_member(goals, team, "Max")  # keys are each member's own
    theirs = goals.client.post("/v1/goals", headers={**auth(mate), "Idempotency-Key": "new-goal-1"},
                               json=body)
    assert theirs.status_code == 201 and theirs.json["id"] != first.json["id"]
    blank = goals.client.post("/v1/goals", headers={**auth(team.lead), "Idempotency-Key": " "},
                              json=body)
    assert blank.status_code == 400 and "Idempotency-Key" in blank.json["detail"]


@pytest.mark.parametrize("path, body", [
    ("/v1/goals", {"title": "Close 20 support tickets", "due_date": "2031-03-11",
                   "metric": {"unit": "tickets", "start": 0, "target": 20}}),
    ("/v1/goal-templates/apply-to-roles/instantiate",
     {"parameters": {"n": 3, "until": "2031-05-31"}, "why": "Grow my career"})])
def test_a_retried_create_answers_with_the_first_answers_etag_and_if_match_takes_it(
        goals, path, body):
    """The replay of a create under its Idempotency-Key came without the ETag the first
    answer had: a client whose first answer was lost could not PATCH the goal with If-Match
    from what it got. The replay carries it, and the PATCH goes through."""
    team = create_team(goals)
    headers = {**auth(team.lead), "Idempotency-Key": "create-1"}
    first = goals.client.post(path, headers=headers, json=body)
    again = goals.client.post(path, headers=headers, json=body)

    assert (first.status_code, again.status_code) == (201, 201), again.json
    assert again.headers.get("ETag") == first.headers["ETag"] == f'"{first.json["version"]}"'
    edited = goals.client.patch(f"/v1/goals/{again.json['id']}", json={"why": "Focus"},
                                headers={**auth(team.lead), "If-Match": again.headers["ETag"]})
    assert edited.status_code == 200, edited.json


def test_a_milestone_added_twice_under_one_idempotency_key_is_added_once(goals):
    """A double submit of "Add milestone" gets the first answer back, marked as a replay: one
    milestone. The same key with another body is refused; no key adds one each time."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}/milestones"
    headers = {**auth(team.lead), "Idempotency-Key": "milestone-1"}
    body = {"title": "Triage the backlog", "due_date": "2031-03-05"}
    first = goals.client.post(path, headers=headers, json=body)
    again = goals.client.post(path, headers=headers, json=dict(reversed(body.items())))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    milestones = get(goals, f"/v1/goals/{goal['id']}", team.lead).json["milestones"]
    assert [m["id"] for m in milestones] == [first.json["id"]]

    other = goals.client.post(path, headers=headers, json={**body, "title": "Answer the rest"})
    assert other.status_code == 422 and other.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    unkeyed = [post(goals, path, team.lead, body).json["id"] for _ in range(2)]
    milestones = get(goals, f"/v1/goals/{goal['id']}", team.lead).json["milestones"]
    assert [m["id"] for m in milestones] == [first.json["id"], *unkeyed]
    assert len(set(unkeyed)) == 2


def test_a_close_sent_twice_under_one_idempotency_key_answers_as_the_first(goals):
    """A close retried after a lost answer was refused with 409 (the goal is closed), so
    a client could not tell its close from someone else's. Under one Idempotency-Key the
    retry gets the first answer, marked as a replay, with its ETag; one goal.closed. The same
    key with another retrospective is refused as every keyed POST's is."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}/close"
    headers = {**auth(team.lead), "Idempotency-Key": "close-1"}
    body = {"outcome": "partial", "retrospective": "Half the backlog was stale"}
    first = goals.client.post(path, headers=headers, json=body)
    again = goals.client.post(path, headers=headers, json=body)

    assert (first.status_code, again.status_code) == (200, 200), again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert [e["goal_id"] for e in outbox(goals, "goal.closed")] == [goal["id"]]
    other = goals.client.post(path, headers=headers, json={**body, "outcome": "missed"})
    assert other.status_code == 422 and other.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    unkeyed = post(goals, path, team.lead, body)
    assert unkeyed.status_code == 409


def test_a_move_sent_twice_under_one_idempotency_key_moves_once(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}/achieve"
    headers = {**auth(team.lead), "Idempotency-Key": "achieve-1"}
    first, again = (goals.client.post(path, headers=headers) for _ in range(2))

    assert (first.status_code, again.status_code) == (200, 200), again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert first.json["status"] == "achieved"
    assert post(goals, path, team.lead).status_code == 409


def test_a_milestone_moved_twice_under_one_idempotency_key_moves_once(goals):
    """A double-clicked Reopen: the first reopened the milestone and the second was refused
    (409 'the milestone is not done'), so the page said it was not reopened. Under one
    Idempotency-Key the second gets the first answer, marked as a replay, with its ETag: one
    move, one event. The same key with another body is refused as every keyed POST's is."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, milestones=[{"title": "Draft"}])
    milestone = f"/v1/goals/{goal['id']}/milestones/{goal['milestones'][0]['id']}"
    moved = {}
    for move, key in (("complete", "complete-1"), ("reopen", "reopen-1")):
        headers = {**auth(team.lead), "Idempotency-Key": key}
        first, again = (goals.client.post(f"{milestone}/{move}", headers=headers)
                        for _ in range(2))
        assert (first.status_code, again.status_code) == (200, 200), again.json
        assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
        assert again.headers["ETag"] == first.headers["ETag"]
        moved[move] = first.json["milestones"][0]["done"]
        other = goals.client.post(f"{milestone}/{move}", headers=headers, json={"done": True})
        assert other.status_code == 422 and other.json["errors"] == {
            "Idempotency-Key": ["Reused with another body."]}

    assert moved == {"complete": True, "reopen": False}
    assert [e["goal_id"] for e in outbox(goals, "goal.milestone_completed")] == [goal["id"]]
    history = get(goals, f"/v1/goals/{goal['id']}/history", team.lead).json["items"]
    assert [h["action"] for h in history].count("milestone_reopened") == 1
    assert post(goals, f"{milestone}/reopen", team.lead).status_code == 409  # no key: refused


def test_a_pathway_added_or_switched_to_twice_under_one_idempotency_key_happens_once(goals):
    """A double-clicked Add pathway made two pathways (or, same name, was refused 409 with the
    second), and a double-clicked switch was refused (409 'this pathway is already the active
    one'). Under one Idempotency-Key the second gets the first answer, marked as a replay (a
    switch's with its ETag): one pathway added, one switch. Another body under the key is 422."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None, milestones=[{"title": "Apply online"}])
    path = f"/v1/goals/{goal['id']}"
    sent = {"add": (f"{path}/pathways", {"name": "Referrals"})}
    other_body = {"add": {"name": "Cold calls"}, "switch": {"reason": "Faster"}}
    first, again = (goals.client.post(sent["add"][0], json=sent["add"][1],
                                      headers={**auth(team.lead), "Idempotency-Key": "add-1"})
                    for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 201), again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    sent["switch"] = (f"{path}/pathways/{first.json['id']}/activate", {"reason": "No answers"})
    switched, switched_again = (
        goals.client.post(sent["switch"][0], json=sent["switch"][1],
                          headers={**auth(team.lead), "Idempotency-Key": "switch-1"})
        for _ in range(2))
    assert (switched.status_code, switched_again.status_code) == (200, 200), switched_again.json
    assert switched_again.json == switched.json
    assert switched_again.headers["Idempotent-Replayed"] == "true"
    assert switched_again.headers["ETag"] == switched.headers["ETag"]
    for action, key in (("add", "add-1"), ("switch", "switch-1")):
        other = goals.client.post(sent[action][0], json=other_body[action],
                                  headers={**auth(team.lead), "Idempotency-Key": key})
        assert other.status_code == 422 and other.json["errors"] == {
            "Idempotency-Key": ["Reused with another body."]}

    after = get(goals, path, team.lead).json
    assert [(p["name"], p["active"]) for p in after["pathways"]] == [
        ("Plan A", False), ("Referrals", True)]
    assert [e["goal_id"] for e in outbox(goals, "goal.pathway_switched")] == [goal["id"]]
    no_key = post(goals, sent["switch"][0], team.lead, sent["switch"][1])
    assert no_key.status_code == 409, no_key.json  # no key: refused, as before


def test_an_idempotency_key_is_forgotten_a_day_after_by_the_workers_purge(goals, clock):
    team = create_team(goals)
    headers = {**auth(team.lead), "Idempotency-Key": "weekly-goal"}
    body = {"title": "Close 20 support tickets", "why": "Customers wait too long",
            "start_date": "2031-03-02", "due_date": "2031-03-11",
            "metric": {"unit": "tickets", "start": 0, "target": 20}}
    first = goals.client.post("/v1/goals", headers=headers, json=body)
    purge = partial(run_job, goals, "idempotency-purge")
    clock.advance(hours=23)
    assert purge() == 0
    assert goals.client.post("/v1/goals", headers=headers, json=body).json["id"] == first.json["id"]
    clock.advance(hours=2)
    assert purge() == 1
    again = goals.client.post("/v1/goals", headers=headers, json=body)
    assert again.status_code == 201 and again.json["id"] != first.json["id"]
