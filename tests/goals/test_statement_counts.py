"""The common reads cost one statement for the caller's standing and one for the goals: SQL
statements are counted per request (transaction control aside), on both engines."""

from __future__ import annotations

from sqlalchemy import event

from tests.goals.helpers import create_goal, get, post
from tests.support.batches import statements as engine_statements
from tests.support.seed import add_member, create_team


def statements(harness):
    return engine_statements(harness.container.engine)


def a_team_with_goals(goals):
    team = create_team(goals)
    _, member = add_member(goals, team, "Max")
    made = [create_goal(goals, team.lead, title=f"Close {n} support tickets") for n in (10, 20)]
    made.append(create_goal(goals, member, title="Write 3 runbooks", visibility="private"))
    return team, member, made


def test_reading_a_goal_takes_two_statements(goals):
    team, member, made = a_team_with_goals(goals)
    for token in (team.lead, member):
        with statements(goals) as seen:
            response = get(goals, f"/v1/goals/{made[0]['id']}", token)
        assert response.status_code == 200 and response.json["smart"]["achievable"]
        assert len(seen) <= 2, seen


def test_a_read_checks_out_one_connection(goals):
    """The caller's standing and the goal are read through one pooled connection."""
    team, _, made = a_team_with_goals(goals)
    engine, checkouts = goals.container.engine, []

    def checked_out(*_args) -> None:
        checkouts.append(1)

    event.listen(engine.pool, "checkout", checked_out)
    try:
        assert get(goals, f"/v1/goals/{made[0]['id']}", team.lead).status_code == 200
        assert get(goals, "/v1/goals?limit=50", team.lead).status_code == 200
    finally:
        event.remove(engine.pool, "checkout", checked_out)
    assert len(checkouts) == 2
    assert engine.pool.checkedout() == 0


def test_a_page_of_goals_takes_two_statements_whoever_reads_it(goals):
    team, member, _ = a_team_with_goals(goals)
    for token, expected in ((team.lead, 3), (member, 3)):
        with statements(goals) as seen:
            response = get(goals, "/v1/goals?limit=50", token)
        assert len(response.json["items"]) == expected
        assert len(seen) <= 2, seen


def test_a_read_judges_pace_from_the_track_record_kept_on_write(goals, clock):
    team = create_team(goals)
    past = create_goal(goals, team.lead, metric=None, due_date="2031-06-01",
                       milestones=[{"title": t} for t in ("a", "b", "c", "d")])
    rushed = create_goal(goals, team.lead, start_date="2031-03-09", due_date="2031-03-15")
    clock.advance(days=7)
    complete = f"/v1/goals/{past['id']}/milestones/{{}}/complete"
    post(goals, complete.format(past["milestones"][0]["id"]), team.lead)  # 25% in a week
    with statements(goals) as seen:
        verdict = get(goals, f"/v1/goals/{rushed['id']}", team.lead).json["smart"]["achievable"]
    assert "the 25% a week you have shown" in verdict["hint"]
    assert not any("progress_points" in s for s in seen)
    post(goals, complete.format(past["milestones"][1]["id"]), team.lead)  # 50% in a week
    verdict = get(goals, f"/v1/goals/{rushed['id']}", team.lead).json["smart"]["achievable"]
    assert "the 50% a week you have shown" in verdict["hint"]
