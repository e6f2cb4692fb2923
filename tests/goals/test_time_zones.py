"""Days judged in the goal's (or for a draft, its owner's) time zone, not in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.goals.helpers import create_goal, get, post, run_job
from tests.support.seed import add_member, create_team
from tests.support.stack import auth

LA = "America/Los_Angeles"
TOKYO = "Asia/Tokyo"


def test_on_the_due_day_evening_west_of_utc_the_goal_is_not_called_past_due(goals, clock):
    """At 19:00 in Los Angeles on the due day (02:00 UTC the next day) the goal still has hours
    left, and its health says so; the SMART assessment must not say the due date has passed."""
    team = create_team(goals, timezone=LA)
    goal = create_goal(goals, team.lead, start_date="2031-03-02", due_date="2031-03-11")
    clock.set(datetime(2031, 3, 12, 2, 0, tzinfo=UTC))  # 2031-03-11 19:00 PDT
    read = get(goals, f"/v1/goals/{goal['id']}", team.lead).json
    assert read["health"] != "overdue"  # the window closes at midnight in Los Angeles
    achievable = read["smart"]["achievable"]
    assert achievable["ok"], achievable


def test_a_smart_team_can_still_edit_a_goal_on_its_due_day_west_of_utc(goals, clock):
    team = create_team(goals, timezone=LA, require_smart=True)
    goal = create_goal(goals, team.lead, start_date="2031-03-02", due_date="2031-03-11")
    clock.set(datetime(2031, 3, 12, 2, 0, tzinfo=UTC))  # 2031-03-11 19:00 PDT
    path = f"/v1/goals/{goal['id']}"
    etag = get(goals, path, team.lead).headers["ETag"]
    response = goals.client.patch(path, headers={**auth(team.lead), "If-Match": etag},
                                  json={"description": "Two left, both waiting on QA"})
    assert response.status_code == 200, response.json


def test_early_on_the_day_after_the_due_date_east_of_utc_the_goal_is_past_due(goals, clock):
    team = create_team(goals, timezone=TOKYO)
    goal = create_goal(goals, team.lead, start_date="2031-03-02", due_date="2031-03-11")
    clock.set(datetime(2031, 3, 11, 16, 0, tzinfo=UTC))  # 2031-03-12 01:00 in Tokyo
    achievable = get(goals, f"/v1/goals/{goal['id']}", team.lead).json["smart"]["achievable"]
    assert not achievable["ok"] and "has passed" in achievable["hint"], achievable


def test_a_kept_read_is_judged_again_after_the_goals_local_midnight(goals, clock):
    """The same UTC day, either side of midnight in Los Angeles: the verdict kept at 23:30 is
    not the answer at 00:30."""
    team = create_team(goals, timezone=LA)
    goal = create_goal(goals, team.lead, start_date="2031-03-02", due_date="2031-03-11")
    path = f"/v1/goals/{goal['id']}"
    clock.set(datetime(2031, 3, 12, 6, 30, tzinfo=UTC))  # 2031-03-11 23:30 PDT
    assert get(goals, path, team.lead).json["smart"]["achievable"]["ok"]
    clock.set(datetime(2031, 3, 12, 7, 30, tzinfo=UTC))  # 2031-03-12 00:30 PDT
    assert not get(goals, path, team.lead).json["smart"]["achievable"]["ok"]


def test_assess_judges_a_draft_on_its_owners_day(goals, clock):
    team = create_team(goals, timezone=LA)
    clock.set(datetime(2031, 3, 12, 2, 0, tzinfo=UTC))  # 2031-03-11 19:00 PDT
    response = post(goals, "/v1/goals/assess", team.lead, {
        "title": "Close 20 support tickets", "why": "Customers wait too long",
        "due_date": "2031-03-11", "metric": {"unit": "tickets", "start": 0, "target": 20}})
    assert response.status_code == 200, response.json
    # The start defaults to the owner's today (the 11th): due the same day is no window at all.
    assert not response.json["smart"]["time_bound"]["ok"]
    response = post(goals, "/v1/goals/assess", team.lead, {
        "title": "Close 20 support tickets", "why": "Customers wait too long",
        "start_date": "2031-03-02", "due_date": "2031-03-11",
        "metric": {"unit": "tickets", "start": 0, "target": 20}})
    assert response.json["smart"]["achievable"]["ok"], response.json["smart"]["achievable"]


def test_the_due_day_ends_in_the_owners_current_time_zone(goals, clock):
    """Olga sets a goal in Berlin, then moves to New York and says so in her profile. At 21:00
    in New York on the due day she still has three hours; the goal is called overdue because it
    kept Berlin's midnight (her check-ins, meanwhile, follow New York time)."""
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga", timezone="Europe/Berlin")
    goal = create_goal(goals, olga, start_date="2031-03-02", due_date="2031-03-11")
    moved = goals.client.patch(f"/v1/teams/{team.id}/members/{olga_id}", headers=auth(olga),
                               json={"timezone": "America/New_York"})
    assert moved.status_code == 200, moved.json
    clock.set(datetime(2031, 3, 12, 1, 0, tzinfo=UTC))  # 2031-03-11 21:00 in New York
    run_job(goals)
    read = get(goals, f"/v1/goals/{goal['id']}", olga).json
    assert read["health"] != "overdue", read["health"]


def test_a_new_time_zone_moves_only_the_members_open_goals_and_shows_in_their_history(goals):
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga", timezone="Europe/Berlin")
    open_goal = create_goal(goals, olga)
    done = create_goal(goals, olga, metric={"unit": "tickets", "start": 0, "target": 20,
                                            "current": 20})
    theirs = create_goal(goals, team.lead)
    moved = goals.client.patch(f"/v1/teams/{team.id}/members/{olga_id}", headers=auth(olga),
                               json={"timezone": "America/New_York"})
    assert moved.status_code == 200, moved.json
    history = get(goals, f"/v1/goals/{open_goal['id']}/history", olga).json["items"]
    assert history[-1]["action"] == "timezone_changed", history[-1]
    assert history[-1]["changes"] == {"timezone": ["Europe/Berlin", "America/New_York"]}
    for untouched in (done, theirs):
        items = get(goals, f"/v1/goals/{untouched['id']}/history", team.lead).json["items"]
        assert "timezone_changed" not in [e["action"] for e in items]


def test_a_goal_reopened_after_its_owner_moved_ends_its_due_day_in_their_new_time_zone(
        goals, clock):
    """Olga's goal was achieved in Berlin; she moved to New York, and her open goals with her
    (an achieved one stays as it ended). Reopened by a lead at 21:00 in New York on its due day,
    it kept Berlin's midnight, long past, and was called overdue with three hours left. A goal
    reopened follows its owner's time zone, as an open goal does, and its history says so."""
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga", timezone="Europe/Berlin")
    goal = create_goal(goals, olga, start_date="2031-03-02", due_date="2031-03-11",
                       metric={"unit": "tickets", "start": 0, "target": 20, "current": 20})
    assert goal["status"] == "achieved", goal
    moved = goals.client.patch(f"/v1/teams/{team.id}/members/{olga_id}", headers=auth(olga),
                               json={"timezone": "America/New_York"})
    assert moved.status_code == 200, moved.json
    clock.set(datetime(2031, 3, 12, 1, 0, tzinfo=UTC))  # 2031-03-11 21:00 in New York

    reopened = post(goals, f"/v1/goals/{goal['id']}/reopen", team.lead)

    assert reopened.status_code == 200, reopened.json
    assert (reopened.json["status"], reopened.json["health"]) == ("active", "on_track")
    history = get(goals, f"/v1/goals/{goal['id']}/history", olga).json["items"]
    assert {"timezone": ["Europe/Berlin", "America/New_York"]} in [
        e["changes"] for e in history if e["action"] == "timezone_changed"]
