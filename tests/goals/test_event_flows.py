"""Events from the checkins service through the real broker, on both engines."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.goals.helpers import (
    START,
    checkin,
    consumed,
    create_goal,
    get,
    outbox,
    outbox_by_id,
    post,
    publish,
)
from tests.support.seed import add_member, create_team
from tests.support.stack import auth
from tests.support.waiting import eventually as _eventually

pytestmark = pytest.mark.kafka


def eventually(check):
    """The first event of a test waits for the consumer group to form on a shared broker."""
    return _eventually(check, timeout=60)


@pytest.fixture
def goals(make_service, clock):
    """With its worker: the consumer applies the events these tests publish."""
    return make_service("goals", clock=clock)


def goal_now(goals, goal, token) -> dict:
    return get(goals, f"/v1/goals/{goal['id']}", token).json


def test_a_checkin_moves_the_metric_and_recomputes_health(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    publish(goals, "checkin.logged", team.id, checkin(goal, value=8))
    moved = eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 8)
    assert moved
    progressed = outbox(goals, "goal.progressed")[-1]
    assert (progressed["previous"], progressed["current"], progressed["progress"]) == (0, 8, 0.4)
    publish(goals, "checkin.logged", team.id, checkin(goal, delta=2))
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 10)


def test_a_checkin_arriving_after_a_later_one_leaves_the_goal_at_the_latest_figure(goals):
    """Ana checked in 8 at 09:00 and Ben 12 at 09:01 on their goal, but Ben's check-in reached
    the goals service first (each replica stamps a check-in by its own clock, before a goal's
    check-ins are serialised). The goal shows 12, the figure of the latest check-in as the
    check-ins' history lists them, not Ana's older 8, nor a delta made between them (Ben's 12
    counted it); a value made after Ben's sets the figure as any check-in does."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    minute = timedelta(minutes=1)
    publish(goals, "checkin.logged", team.id, checkin(goal, value=12, at=START + minute))
    older = publish(goals, "checkin.logged", team.id, checkin(goal, value=8, at=START))
    eventually(lambda: consumed(goals, older))
    assert goal_now(goals, goal, team.lead)["metric"]["current"] == 12

    publish(goals, "checkin.logged", team.id, checkin(goal, delta=1, at=START + minute / 2))
    publish(goals, "checkin.logged", team.id, checkin(goal, value=9, at=START + 2 * minute))
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 9)
    moves = [(p["previous"], p["current"]) for p in outbox(goals, "goal.progressed")]
    assert moves == [(0, 12), (12, 9)]


def test_two_deltas_arriving_in_the_other_order_both_count(goals):
    """Ana added 1 at 09:00:30 and Ben 2 at 09:01; Ben's reached the goals service first. A
    delta says what its author did, not what the goal stands at: both count, 3."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    minute = timedelta(minutes=1)
    publish(goals, "checkin.logged", team.id, checkin(goal, delta=2, at=START + minute))
    older = publish(goals, "checkin.logged", team.id,
                    checkin(goal, delta=1, at=START + minute / 2))
    eventually(lambda: consumed(goals, older))

    assert goal_now(goals, goal, team.lead)["metric"]["current"] == 3


def test_a_checkin_made_before_a_lead_typed_the_figure_leaves_the_typed_figure(goals):
    """Ana checked in 5 a minute before her lead set the goal's figure to 7 by editing its
    metric; her check-in arrived after the edit. The goal shows 7, the latest word on it."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}"
    edited = goals.client.patch(path, headers={**auth(team.lead), "If-Match": get(
        goals, path, team.lead).headers["ETag"]}, json={"metric": {
            "unit": "tickets", "start": 0, "target": 20, "current": 7}})  # at START
    assert edited.status_code == 200, edited.json
    older = publish(goals, "checkin.logged", team.id,
                    checkin(goal, value=5, at=START - timedelta(minutes=1)))
    eventually(lambda: consumed(goals, older))

    assert goal_now(goals, goal, team.lead)["metric"]["current"] == 7


def test_a_corrected_checkin_corrects_the_goals_figure(goals):
    """4 logged for 14, corrected: the goal shows 14. A corrected delta applies its difference
    even after later check-ins; a corrected value that a later check-in has replaced does not
    move the figure back."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    typo = checkin(goal, value=4)
    publish(goals, "checkin.logged", team.id, typo)
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 4)
    publish(goals, "checkin.edited", team.id, {**typo, "value": 14, "previous_value": 4})
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 14)

    step = checkin(goal, delta=1)
    publish(goals, "checkin.logged", team.id, step)
    publish(goals, "checkin.logged", team.id, checkin(goal, delta=2))
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 17)
    publish(goals, "checkin.edited", team.id, {**step, "delta": 3, "previous_delta": 1})
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 19)

    publish(goals, "checkin.edited", team.id, {**typo, "value": 15, "previous_value": 14})
    publish(goals, "checkin.logged", team.id, checkin(goal, delta=0.5))  # a marker after it
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 19.5)
    history = outbox(goals, "goal.progressed")
    assert [(p["previous"], p["current"]) for p in history] == [
        (0, 4), (4, 14), (14, 15), (15, 17), (17, 19), (19, 19.5)]


@pytest.mark.parametrize("later", [[5], [7, 5]], ids=["repeated", "back-to-it"])
def test_a_corrected_checkin_leaves_the_figure_a_later_checkin_logged_again(goals, later):
    """Ana logged 5, then 5 again (or 7, then 5, a setback): the goal showed 5, her latest
    word. Correcting the first check-in to 4 moved the goal to 4, as its figure still equalled
    the value corrected, while her latest check-in said 5. Only a correction of the check-in
    that logged the figure last sets it to the corrected value."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    first = checkin(goal, value=5)
    publish(goals, "checkin.logged", team.id, first)
    events = [publish(goals, "checkin.logged", team.id, checkin(goal, value=v)) for v in later]
    latest = checkin(goal, value=5)
    events.append(publish(goals, "checkin.logged", team.id, latest))
    eventually(lambda: all(consumed(goals, event_id) for event_id in events))

    corrected = publish(goals, "checkin.edited", team.id,
                        {**first, "value": 4, "previous_value": 5})
    eventually(lambda: consumed(goals, corrected))

    assert goal_now(goals, goal, team.lead)["metric"]["current"] == 5
    publish(goals, "checkin.edited", team.id, {**latest, "value": 6, "previous_value": 5})
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 6)
    moves = [(p["previous"], p["current"]) for p in outbox(goals, "goal.progressed")]
    assert moves[-1] == (5, 6) and (5, 4) not in moves, moves


def test_a_corrected_checkin_leaves_the_figure_a_lead_typed_since(goals):
    """Ana logged 5; her lead set the figure to 6, then back to 5, by editing the metric: the
    goal showed 5, the lead's word. Correcting Ana's check-in to 4 moved the goal to 4, as its
    figure still equalled the value corrected and was still counted as her check-in's. A
    figure a lead types is no check-in's: no correction sets it."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    first = checkin(goal, value=5)
    logged = publish(goals, "checkin.logged", team.id, first)
    eventually(lambda: consumed(goals, logged))
    path = f"/v1/goals/{goal['id']}"
    for figure in (6, 5):
        edited = goals.client.patch(path, headers={**auth(team.lead), "If-Match": get(
            goals, path, team.lead).headers["ETag"]}, json={"metric": {
                "unit": "tickets", "start": 0, "target": 20, "current": figure}})
        assert edited.status_code == 200, edited.json

    corrected = publish(goals, "checkin.edited", team.id,
                        {**first, "value": 4, "previous_value": 5})
    eventually(lambda: consumed(goals, corrected))

    assert goal_now(goals, goal, team.lead)["metric"]["current"] == 5
    moves = [(p["previous"], p["current"]) for p in outbox(goals, "goal.progressed")
             if p["goal_id"] == goal["id"]]
    assert (5, 4) not in moves, moves


def test_reaching_the_target_emits_achieved_once_under_duplicate_delivery(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    event = checkin(goal, value=20)
    event_id = str(uuid.uuid4())
    publish(goals, "checkin.logged", team.id, event, event_id=event_id)
    publish(goals, "checkin.logged", team.id, event, event_id=event_id)  # redelivered
    publish(goals, "checkin.logged", team.id, checkin(goal, value=20))   # logged twice
    publish(goals, "checkin.logged", team.id, checkin(goal, value=24))   # beyond the target
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 24)
    assert goal_now(goals, goal, team.lead)["status"] == "achieved"
    assert [e["goal_id"] for e in outbox(goals, "goal.achieved")] == [goal["id"]]
    assert goal_now(goals, goal, team.lead)["health"] == "done"


def test_a_goal_reopened_at_its_target_is_achieved_again_only_by_a_new_checkin(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    publish(goals, "checkin.logged", team.id, checkin(goal, value=20))
    eventually(lambda: goal_now(goals, goal, team.lead)["status"] == "achieved")

    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)

    assert reopened.status_code == 200, reopened.json
    assert (reopened.json["status"], reopened.json["progress"]) == ("active", 1.0)
    assert goal_now(goals, goal, team.lead)["status"] == "active"
    publish(goals, "checkin.logged", team.id, checkin(goal, value=20))
    eventually(lambda: goal_now(goals, goal, team.lead)["status"] == "achieved")
    assert [e["goal_id"] for e in outbox(goals, "goal.achieved")] == [goal["id"], goal["id"]]


def test_a_goal_achieved_by_a_checkin_corrected_downward_is_reopened_and_goes_on(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    typo = checkin(goal, value=20)
    publish(goals, "checkin.logged", team.id, typo)
    eventually(lambda: goal_now(goals, goal, team.lead)["status"] == "achieved")
    publish(goals, "checkin.edited", team.id, {**typo, "value": 14, "previous_value": 20})
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 14)
    assert goal_now(goals, goal, team.lead)["status"] == "achieved"

    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)

    assert reopened.status_code == 200, reopened.json
    assert (reopened.json["status"], reopened.json["progress"]) == ("active", 0.7)
    publish(goals, "checkin.logged", team.id, checkin(goal, delta=1))
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 15)
    assert goal_now(goals, goal, team.lead)["status"] == "active"


def test_a_decreasing_metric_is_achieved_at_or_below_its_target(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, title="Cut build time to 10 minutes",
                       metric={"unit": "minutes", "start": 30, "target": 10,
                               "direction": "decrease"})
    publish(goals, "checkin.logged", team.id, checkin(goal, value=20))
    eventually(lambda: goal_now(goals, goal, team.lead)["progress"] == 0.5)
    assert goal_now(goals, goal, team.lead)["status"] == "active"
    publish(goals, "checkin.logged", team.id, checkin(goal, value=9.5))
    eventually(lambda: goal_now(goals, goal, team.lead)["status"] == "achieved")


def test_a_checkin_completes_named_milestones_and_rolls_up_to_the_parent(goals):
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None)
    child = create_goal(goals, team.lead, parent_id=parent["id"], metric=None,
                        milestones=[{"title": "Draft"}, {"title": "Ship"}])
    first = child["milestones"][0]["id"]
    publish(goals, "checkin.logged", team.id, checkin(child, milestones=[first]))
    eventually(lambda: goal_now(goals, parent, team.lead)["progress"] == 0.5)
    completed = outbox(goals, "goal.milestone_completed")
    assert [(e["milestone_id"], e["progress"]) for e in completed] == [(first, 0.5)]


def test_the_progress_a_checkins_milestones_make_names_that_checkin(goals):
    """A check-in (or its correction) completing a milestone moves the goal: the
    goal.progressed it makes names the check-in, as a check-in's value does, so the
    check-in's announcement shows that figure at once (notifications wait for it)."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None,
                       milestones=[{"title": "Draft"}, {"title": "Ship"}])
    first, second = (m["id"] for m in goal["milestones"])
    logged = checkin(goal, milestones=[first])
    publish(goals, "checkin.logged", team.id, logged)
    eventually(lambda: goal_now(goals, goal, team.lead)["progress"] == 0.5)
    publish(goals, "checkin.edited", team.id, {**logged, "completed_milestones": [first, second]})
    eventually(lambda: goal_now(goals, goal, team.lead)["progress"] == 1.0)

    moves = [(e["checkin_id"], e["progress"], e["source"])
             for e in outbox(goals, "goal.progressed") if e["goal_id"] == goal["id"]]
    assert moves == [(logged["checkin_id"], 0.5, "milestone"),
                     (logged["checkin_id"], 1.0, "milestone")]


def done_milestones(goals, goal, token) -> list[str]:
    return [m["title"] for m in goal_now(goals, goal, token)["milestones"] if m["done"]]


def progress_moves(goals, goal, checkin_id: str) -> list[float]:
    """The goal's progress, as each goal.progressed naming the check-in says it (one each)."""
    return [e["progress"] for e in outbox_by_id(goals, "goal.progressed").values()
            if e["goal_id"] == goal["id"] and e["checkin_id"] == checkin_id]


def a_slip_naming_both_milestones(goals):
    """A team, its goal of two milestones ("Draft", "Ship") and no metric, their ids, and a
    check-in naming both done, published as logged."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None,
                       milestones=[{"title": "Draft"}, {"title": "Ship"}])
    milestones = tuple(m["id"] for m in goal["milestones"])
    slip = checkin(goal, milestones=list(milestones))
    publish(goals, "checkin.logged", team.id, slip)
    return team, goal, milestones, slip


def test_a_checkin_corrected_to_drop_a_milestone_it_completed_opens_it_again_once(goals):
    """A slip of the finger named "Ship": corrected away, "Ship" is open again and
    goal.progressed names the correction's figure; the correction delivered twice, or sent
    again as it is, takes nothing back twice."""
    team, goal, (draft, ship), slip = a_slip_naming_both_milestones(goals)
    eventually(lambda: goal_now(goals, goal, team.lead)["progress"] == 1.0)

    corrected = {**slip, "completed_milestones": [draft]}
    event_id = str(uuid.uuid4())
    publish(goals, "checkin.edited", team.id, corrected, event_id=event_id)
    publish(goals, "checkin.edited", team.id, corrected, event_id=event_id)  # redelivered
    publish(goals, "checkin.edited", team.id, corrected)  # sent again
    later = checkin(goal, milestones=[ship])  # a marker after them
    publish(goals, "checkin.logged", team.id, later)
    eventually(lambda: progress_moves(goals, goal, later["checkin_id"]) == [1.0])

    assert progress_moves(goals, goal, slip["checkin_id"]) == [0.5, 1.0, 0.5]
    publish(goals, "checkin.edited", team.id, {**later, "completed_milestones": []})
    eventually(lambda: goal_now(goals, goal, team.lead)["progress"] == 0.5)
    assert done_milestones(goals, goal, team.lead) == ["Draft"]


def test_a_milestone_another_checkin_or_its_owner_completed_stays_done_when_one_is_corrected(
        goals):
    """Two check-ins name "Draft": correcting the one that completed it leaves it done, and
    correcting the other too opens it. "Ship", marked done by hand, stays done when a
    check-in that named it afterwards is corrected."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric=None,
                       milestones=[{"title": "Draft"}, {"title": "Ship"}, {"title": "Tell"}])
    draft, ship, tell = (m["id"] for m in goal["milestones"])
    post(goals, f"/v1/goals/{goal['id']}/milestones/{ship}/complete", team.lead)
    first, second = checkin(goal, milestones=[draft, ship]), checkin(goal, milestones=[draft])
    publish(goals, "checkin.logged", team.id, first)
    publish(goals, "checkin.logged", team.id, second)
    publish(goals, "checkin.edited", team.id, {**first, "completed_milestones": [tell]})
    eventually(lambda: done_milestones(goals, goal, team.lead) == ["Draft", "Ship", "Tell"])

    publish(goals, "checkin.edited", team.id, {**second, "completed_milestones": []})
    eventually(lambda: done_milestones(goals, goal, team.lead) == ["Ship", "Tell"])
    assert progress_moves(goals, goal, second["checkin_id"]) == [2 / 3]


def test_an_achieved_goal_whose_checkin_drops_a_milestone_stays_achieved_until_reopened(goals):
    """As after a figure's correction: the milestone is open again and progress drops, the
    achievement stands until the owner reopens the goal, which goes on from there."""
    team, goal, (draft, ship), slip = a_slip_naming_both_milestones(goals)
    eventually(lambda: goal_now(goals, goal, team.lead)["status"] == "achieved")
    publish(goals, "checkin.edited", team.id, {**slip, "completed_milestones": [draft]})
    eventually(lambda: goal_now(goals, goal, team.lead)["progress"] == 0.5)
    assert goal_now(goals, goal, team.lead)["status"] == "achieved"

    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)

    assert reopened.status_code == 200, reopened.json
    assert (reopened.json["status"], reopened.json["progress"]) == ("active", 0.5)
    assert done_milestones(goals, goal, team.lead) == ["Draft"]


def test_a_checkin_that_raced_a_close_leaves_the_closed_goals_milestones_as_they_were(goals):
    """Checked in while active, consumed once closed: as with its metric, the milestones it
    names stay open, nothing is announced, and the events after it are applied."""
    team = create_team(goals)
    closed = create_goal(goals, team.lead, metric=None, milestones=[{"title": "Draft"}])
    other = create_goal(goals, team.lead)
    post(goals, f"/v1/goals/{closed['id']}/close", team.lead, {"outcome": "missed"})
    named = closed["milestones"][0]["id"]

    publish(goals, "checkin.logged", team.id, checkin(closed, milestones=[named]))
    publish(goals, "checkin.logged", team.id, checkin(other, value=5))

    eventually(lambda: goal_now(goals, other, team.lead)["metric"]["current"] == 5)
    now = goal_now(goals, closed, team.lead)
    assert (now["status"], now["milestones"][0]["done"], now["progress"]) == ("missed", False, 0)
    assert named not in [e["milestone_id"] for e in outbox(goals, "goal.milestone_completed")]


def test_check_ins_and_activations_after_a_team_goal_closed_leave_its_figures_final(goals):
    """Closed as partial, a team goal keeps the progress and history it was closed with: an
    aligned draft activated, and a check-in that achieves an aligned goal, move neither (nor
    publish goal.progressed for it); both still name it as their parent. Reopened, it rolls
    up their current figures."""
    team = create_team(goals)
    parent = create_goal(goals, team.lead, kind="team", metric=None, title="Halve wait times")
    child = create_goal(goals, team.lead, parent_id=parent["id"],
                        metric={"unit": "tickets", "start": 0, "target": 20, "current": 5})
    draft = create_goal(goals, team.lead, parent_id=parent["id"], status="draft",
                        title="Answer 40 calls",
                        metric={"unit": "calls", "start": 0, "target": 40, "current": 20})
    post(goals, f"/v1/goals/{parent['id']}/close", team.lead, {"outcome": "partial"})
    closed = goal_now(goals, parent, team.lead)
    history = get(goals, f"/v1/goals/{parent['id']}/history", team.lead).json["items"]

    def moves() -> list[dict]:
        return [e for e in outbox(goals, "goal.progressed") if e["goal_id"] == parent["id"]]

    moved = moves()
    assert post(goals, f"/v1/goals/{draft['id']}/activate", team.lead).status_code == 200
    publish(goals, "checkin.logged", team.id, checkin(child, value=20))
    eventually(lambda: goal_now(goals, child, team.lead)["status"] == "achieved")

    now = goal_now(goals, parent, team.lead)
    assert (now["status"], now["progress"], now["health"], now["version"]) == (
        "partial", 0.25, None, closed["version"])
    assert get(goals, f"/v1/goals/{parent['id']}/history", team.lead).json["items"] == history
    assert moves() == moved
    assert [goal_now(goals, g, team.lead)["parent_id"] for g in (child, draft)] == [
        parent["id"], parent["id"]]
    reopened = post(goals, f"/v1/goals/{parent['id']}/reopen", team.lead)
    assert (reopened.json["status"], reopened.json["progress"]) == ("active", 0.75)


def test_a_partner_sees_a_private_goal_until_the_partnership_ends(goals):
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga")
    max_id, max_token = add_member(goals, team, "Max")
    _, mia = add_member(goals, team, "Mia")
    secret = create_goal(goals, olga, title="Find a new job by June", visibility="private")
    path = f"/v1/goals/{secret['id']}"
    assert get(goals, path, max_token).status_code == 404
    partnership = str(uuid.uuid4())
    publish(goals, "partners.paired", team.id, {
        "partnership_id": partnership, "team_id": team.id, "member_ids": [olga_id, max_id],
        "at": START.isoformat()})
    eventually(lambda: get(goals, path, max_token).status_code == 200)
    listed = get(goals, "/v1/goals", max_token).json["items"]
    assert [g["id"] for g in listed] == [secret["id"]]
    assert get(goals, path, mia).status_code == 404
    publish(goals, "partnership.ended", team.id, {
        "partnership_id": partnership, "team_id": team.id, "member_ids": [olga_id, max_id],
        "at": START.isoformat()})
    eventually(lambda: get(goals, path, max_token).status_code == 404)


def pair(goals, team_id: str, partnership: str, member_ids: list[str], event_type: str) -> str:
    """Publish `partners.paired` or `partnership.ended` for `partnership`; its event id."""
    return publish(goals, event_type, team_id, {
        "partnership_id": partnership, "team_id": team_id, "member_ids": member_ids,
        "at": START.isoformat()})


def test_another_teams_partnership_ended_leaves_the_partnership_as_it_was(goals):
    """A partnership.ended of another team naming this team's partnership is that team's
    event: Olga's partner Max still sees her private goal once it is consumed."""
    team, other = create_team(goals), create_team(goals, name="Other")
    olga_id, olga = add_member(goals, team, "Olga")
    max_id, max_token = add_member(goals, team, "Max")
    secret = create_goal(goals, olga, title="Find a new job by June", visibility="private")
    path, partnership = f"/v1/goals/{secret['id']}", str(uuid.uuid4())
    pair(goals, team.id, partnership, [olga_id, max_id], "partners.paired")
    eventually(lambda: get(goals, path, max_token).status_code == 200)

    foreign = pair(goals, other.id, partnership, [olga_id, max_id], "partnership.ended")

    eventually(lambda: consumed(goals, foreign))
    assert get(goals, path, max_token).status_code == 200


def test_another_teams_checkin_does_not_touch_the_goal(goals):
    team, other = create_team(goals), create_team(goals, name="Other")
    goal = create_goal(goals, team.lead)
    publish(goals, "checkin.logged", other.id, checkin(goal, value=20))
    publish(goals, "checkin.logged", team.id, checkin(goal, value=3))
    eventually(lambda: goal_now(goals, goal, team.lead)["metric"]["current"] == 3)
    assert outbox(goals, "goal.achieved") == []


def test_a_delta_made_before_the_latest_value_leaves_the_goal_at_the_latest_figure(goals):
    """Ana added 1 at 09:00:30 and Ben checked in 12 at 09:01 on their goal (target 13); Ana's
    check-in reached the goals service last. The check-ins' history lists Ben's 12 as the
    latest word, and the goal keeps the figure of its latest check-in by `at`: it shows 12,
    not 13, and is not achieved by a step its latest check-in already counted."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead, metric={"unit": "tickets", "start": 0, "target": 13})
    minute = timedelta(minutes=1)
    publish(goals, "checkin.logged", team.id, checkin(goal, value=12, at=START + minute))
    older = publish(goals, "checkin.logged", team.id,
                    checkin(goal, delta=1, at=START + minute / 2))
    eventually(lambda: consumed(goals, older))

    shown = goal_now(goals, goal, team.lead)
    assert (shown["metric"]["current"], shown["status"]) == (12, "active")


def test_the_latest_checkin_corrected_after_an_older_delta_arrived_sets_the_figure(goals):
    """Ben checked in 12 at 09:01; Ana's +1 made at 09:00:30 arrived after it. Ben then
    corrected his check-in to 11: his is still the latest check-in by `at` (the one that
    logged the figure, `figure_checkin_id`), so the goal shows his 11, as the history does."""
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    minute = timedelta(minutes=1)
    bens = checkin(goal, value=12, at=START + minute)
    publish(goals, "checkin.logged", team.id, bens)
    publish(goals, "checkin.logged", team.id, checkin(goal, delta=1, at=START + minute / 2))
    corrected = publish(goals, "checkin.edited", team.id,
                        {**bens, "value": 11, "previous_value": 12})
    eventually(lambda: consumed(goals, corrected))

    assert goal_now(goals, goal, team.lead)["metric"]["current"] == 11
