"""What goals.events tells the other services about a goal's health, as the goals service has it.

Other services keep a replica of each goal from these events (notifications' App Home and
digests show its health): after any change, the latest event that carries the goal's health
must say what the API says."""

from __future__ import annotations

from tests.goals.helpers import create_goal, get, outbox, post
from tests.support.seed import create_team


def published_health(goals, goal_id: str):
    """The goal's health as the events tell it: the latest event about it that has one."""
    health = None
    for data in outbox(goals):
        if data.get("goal_id") == goal_id and "health" in data:
            health = data["health"]
    return health


def test_an_activated_draft_publishes_its_health_without_announcing_a_change(goals):
    team = create_team(goals)
    draft = create_goal(goals, team.lead, status="draft")
    activated = post(goals, f"/v1/goals/{draft['id']}/activate", team.lead).json
    assert activated["health"] == "on_track"
    assert published_health(goals, draft["id"]) == "on_track", [
        (e.get("status"), e.get("health")) for e in outbox(goals)
        if e.get("goal_id") == draft["id"]]
    assert outbox(goals, "goal.health_changed") == []  # a first on_track health alerts nobody


def test_a_reopened_goal_publishes_its_health(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    post(goals, f"/v1/goals/{goal['id']}/close", team.lead, {"outcome": "missed"})
    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead).json
    assert reopened["health"] == get(goals, f"/v1/goals/{goal['id']}", team.lead).json["health"]
    assert reopened["health"] == "on_track"
    assert published_health(goals, goal["id"]) == "on_track", [
        (e.get("status"), e.get("health")) for e in outbox(goals)
        if e.get("goal_id") == goal["id"]]


def test_a_draft_activated_off_track_announces_the_change(goals, clock):
    """A draft planned on 2 March for 2-11 March, activated on 9 March with nothing done: it is
    off track at once. Notifications alert the owner and leads on `goal.health_changed` to
    off_track; none is published, and the activation event says health None."""
    team = create_team(goals)
    draft = create_goal(goals, team.lead, status="draft")
    clock.advance(days=7)
    activated = post(goals, f"/v1/goals/{draft['id']}/activate", team.lead).json
    assert activated["health"] == "off_track"
    changes = [e["health"] for e in outbox(goals, "goal.health_changed")]
    assert published_health(goals, draft["id"]) == "off_track" or "off_track" in changes, (
        outbox(goals, "goal.activated")[-1]["health"], changes)


def test_a_goal_created_off_track_announces_it(goals):
    """A goal logged on 2 March for 20 February to 5 March with nothing done is off track from
    its first moment. Notifications alert the owner and leads on `goal.health_changed` to
    off_track, so its creation must announce it as an activation does; a goal created on
    track announces nothing."""
    team = create_team(goals)
    late = create_goal(goals, team.lead, start_date="2031-02-20", due_date="2031-03-05")
    fresh = create_goal(goals, team.lead)
    assert late["health"] == "off_track" and fresh["health"] == "on_track"
    announced = [(e["goal_id"], e["previous"], e["health"])
                 for e in outbox(goals, "goal.health_changed")]
    assert announced == [(late["id"], None, "off_track")]
