"""What a careless or hostile client gets from the goals API, on both engines: a precise 4xx
naming what was wrong, never a 500, and never another team's data."""

from __future__ import annotations

from tests.goals.helpers import create_goal, get
from tests.support.seed import create_team
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
