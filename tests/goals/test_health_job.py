"""The scheduled health job on both engines: emits only on change, and reads only due goals."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect

from services.goals.bootstrap import GoalsContainer
from tests.goals.helpers import create_goal, get, outbox, run_job
from tests.support.seed import create_team


def tick(goals):
    return run_job(goals)


def test_the_job_emits_health_changed_only_when_health_changes(goals, clock):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)  # 2031-03-02 .. 2031-03-11: 10 days, no progress
    assert tick(goals).evaluated == 0
    clock.set(datetime(2031, 3, 3, 0, 0, 1, tzinfo=UTC))  # expected just over 0.10
    report = tick(goals)
    assert (report.evaluated, report.changed) == (1, 1)
    (event,) = outbox(goals, "goal.health_changed")
    assert (event["goal_id"], event["previous"], event["health"]) == (goal["id"], "on_track",
                                                                      "at_risk")
    assert tick(goals).evaluated == 0
    assert len(outbox(goals, "goal.health_changed")) == 1


def test_the_job_reads_only_goals_whose_next_check_is_due(goals, clock):
    team = create_team(goals)
    soon = create_goal(goals, team.lead, due_date="2031-03-11")
    for due in ("2031-06-30", "2031-09-30", "2032-03-01"):
        create_goal(goals, team.lead, due_date=due)
    stored = get(goals, f"/v1/goals/{soon['id']}", team.lead).json["next_health_check_at"]
    assert stored == "2031-03-03T00:00:00.000001+00:00"
    clock.set(datetime(2031, 3, 3, 0, 0, 1, tzinfo=UTC))
    assert tick(goals).evaluated == 1


def test_a_goal_due_today_is_not_overdue_until_tomorrow(goals, clock):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, start_date="2031-02-20", due_date="2031-03-02",
                       metric={"unit": "tickets", "start": 0, "target": 20, "current": 19})
    assert goal["health"] == "on_track"
    clock.set(datetime(2031, 3, 2, 23, 59, 59, tzinfo=UTC))
    tick(goals)
    assert get(goals, f"/v1/goals/{goal['id']}", team.lead).json["health"] == "on_track"
    clock.set(datetime(2031, 3, 3, tzinfo=UTC))
    assert tick(goals).changed == 1
    assert get(goals, f"/v1/goals/{goal['id']}", team.lead).json["health"] == "overdue"
    assert get(goals, f"/v1/goals/{goal['id']}", team.lead).json["next_health_check_at"] is None


def test_a_goal_before_its_start_is_not_started_then_on_track(goals, clock):
    team = create_team(goals)
    goal = create_goal(goals, team.lead, start_date="2031-04-01", due_date="2031-05-01")
    assert goal["health"] == "not_started"
    clock.set(datetime(2031, 4, 1, tzinfo=UTC))
    assert tick(goals).changed == 1
    assert outbox(goals, "goal.health_changed")[-1]["health"] == "on_track"


def test_draft_and_closed_goals_are_never_scanned(goals, clock):
    team = create_team(goals)
    create_goal(goals, team.lead, status="draft")
    clock.set(datetime(2031, 4, 1, tzinfo=UTC))
    assert tick(goals).evaluated == 0


def test_the_due_column_is_indexed(goals):
    indexes = inspect(goals.container.engine).get_indexes("goals")
    assert ["next_health_check_at"] in [i["column_names"] for i in indexes]


def test_the_job_interval_is_configurable(goals):
    container = GoalsContainer(goals.settings.with_overrides(health_interval=7.5))
    assert container.jobs()[0].interval == 7.5
    from_settings = GoalsContainer(goals.settings.with_overrides(health_interval=3))
    assert from_settings.jobs()[0].interval == 3
