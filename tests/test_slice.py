"""The first slice through all three services, over the real broker, on both databases."""

from __future__ import annotations

import pytest

from tests.support.seed import create_team
from tests.support.stack import auth
from tests.support.waiting import delivery_log, eventually

pytestmark = pytest.mark.slow


def test_goal_and_checkin_reach_slack_and_move_the_metric(make_service, slack):
    goals, checkins, notifications = (
        make_service(s) for s in ("goals", "checkins", "notifications")
    )
    team = create_team(goals, timezone="Europe/Berlin")
    team_id, lead = team.id, team.lead
    channel = notifications.client.post(
        f"/v1/teams/{team_id}/channels",
        headers=auth(lead),
        json={"type": "slack", "webhook_url": slack.webhook()},
    )
    assert channel.status_code == 201, channel.json

    goal = goals.client.post(
        "/v1/goals",
        headers=auth(lead),
        json={
            "title": "Ship the onboarding flow",
            "description": "New users finish setup alone",
            "due_date": "2030-06-30",
            "metric": {"unit": "steps", "start": 0, "target": 10},
        },
    )
    assert goal.status_code == 201, goal.json
    assert goal.json["metric"]["current"] == 0
    goal_id = goal.json["id"]

    checkin = eventually(lambda: _post_checkin(checkins, goal_id, lead, 4))
    assert checkin.json["value"] == 4

    def metric_moved():
        return (
            goals.client.get(f"/v1/goals/{goal_id}", headers=auth(lead)).json["metric"]["current"]
            == 4
        )

    eventually(metric_moved)
    messages = eventually(lambda: len(slack.delivered()) >= 2 and slack.delivered())
    texts = [m.json()["text"] for m in messages]
    assert texts == ["New goal: Ship the onboarding flow", "Check-in: Ship the onboarding flow"]

    items = delivery_log(notifications, team_id, lead, count=2)
    assert sorted(item["notification"]["event_type"] for item in items) == [
        "checkin.logged",
        "goal.created",
    ]
    assert [[a["status_code"] for a in item["attempts"]] for item in items] == [[200], [200]]


def _tickets_goal(goals, token: str, due_date: str) -> str:
    """A new goal of closing 20 tickets by `due_date`; its id."""
    created = goals.client.post("/v1/goals", headers=auth(token), json={
        "title": "Close 20 support tickets", "due_date": due_date,
        "metric": {"unit": "tickets", "start": 0, "target": 20}})
    assert created.status_code == 201, created.json
    return created.json["id"]


def _post_checkin(checkins, goal_id: str, token: str, value: float):
    response = checkins.client.post(
        f"/v1/goals/{goal_id}/checkins",
        headers=auth(token),
        json={"value": value, "note": "halfway", "confidence": 4},
    )
    assert response.status_code == 201, response.json
    return response


def test_an_achieved_goal_reopened_takes_checkins_and_is_scheduled_again(make_service):
    """Marked achieved by mistake: checkins stops taking check-ins and stops its schedule;
    reopened in goals, checkins takes them and schedules reminders again, and notifications'
    replica says active with the health goals gave it."""
    goals, checkins, notifications = (
        make_service(s) for s in ("goals", "checkins", "notifications")
    )
    team = create_team(goals)
    lead = team.lead
    goal_id = _tickets_goal(goals, lead, "2030-06-30")
    eventually(lambda: _post_checkin(checkins, goal_id, lead, 4))
    streak = f"/v1/goals/{goal_id}/streak"
    assert _next_due(checkins, streak, lead) is not None
    achieved = goals.client.post(f"/v1/goals/{goal_id}/achieve", headers=auth(lead))
    assert achieved.json["status"] == "achieved", achieved.json
    eventually(lambda: _next_due(checkins, streak, lead) is None)
    assert _checkin_refusal(checkins, goal_id, lead, 5) == (
        "goal “Close 20 support tickets” is achieved; only active goals take check-ins")

    reopened = goals.client.post(f"/v1/goals/{goal_id}/reopen", headers=auth(lead))

    assert reopened.status_code == 200, reopened.json
    eventually(lambda: _next_due(checkins, streak, lead) is not None)  # reminded again
    assert _checkin_refusal(checkins, goal_id, lead, 6) is None
    eventually(lambda: goals.client.get(f"/v1/goals/{goal_id}", headers=auth(lead))
               .json["metric"]["current"] == 6)

    def replica() -> tuple:
        with notifications.container.uow() as uow:
            goal = uow.replicas.goal(goal_id)
            return goal and (goal.status, goal.health)

    assert eventually(lambda: replica() == ("active", reopened.json["health"]))


def _next_due(checkins, streak: str, token: str) -> str | None:
    return checkins.client.get(streak, headers=auth(token)).json["next_due_at"]


def _checkin_refusal(checkins, goal_id: str, token: str, value: float) -> str | None:
    """The detail of the 409 checkins answers a check-in with (None when it takes it)."""
    response = checkins.client.post(
        f"/v1/goals/{goal_id}/checkins", headers=auth(token), json={"value": value}
    )
    assert response.status_code in (201, 409), response.json
    return response.json["detail"] if response.status_code == 409 else None


def test_checkins_answers_404_for_a_goal_it_never_heard_of(make_service):
    goals = make_service("goals")
    checkins = make_service("checkins")
    lead = create_team(goals).lead
    response = checkins.client.post(
        "/v1/goals/00000000-0000-0000-0000-000000000000/checkins",
        headers=auth(lead),
        json={"value": 1},
    )
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"


def test_another_teams_token_gets_404_on_every_slice_endpoint(make_service, slack):
    goals, checkins, notifications = (
        make_service(s) for s in ("goals", "checkins", "notifications")
    )
    team = create_team(goals)
    team_a, lead_a = team.id, team.lead
    lead_b = create_team(goals, name="Other", lead_name="Olga").lead
    goal_id = _tickets_goal(goals, lead_a, "2030-01-01")
    eventually(lambda: _post_checkin(checkins, goal_id, lead_a, 1))

    member = {"name": "Max", "email": "max@example.com", "timezone": "UTC"}
    channel = {"type": "slack", "webhook_url": slack.webhook()}
    answers = [
        goals.client.get(f"/v1/goals/{goal_id}", headers=auth(lead_b)),
        goals.client.post(f"/v1/teams/{team_a}/members", headers=auth(lead_b), json=member),
        checkins.client.post(
            f"/v1/goals/{goal_id}/checkins", headers=auth(lead_b), json={"value": 2}
        ),
        checkins.client.get(f"/v1/goals/{goal_id}/checkins", headers=auth(lead_b)),
        notifications.client.post(
            f"/v1/teams/{team_a}/channels", headers=auth(lead_b), json=channel
        ),
        notifications.client.get(f"/v1/teams/{team_a}/deliveries", headers=auth(lead_b)),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        (
            "/v1/goals",
            {"title": "", "metric": {"unit": "x"}},
            {"title", "due_date", "metric.start", "metric.target"},
        ),
        ("/v1/goals", {"title": "Read 12 books", "due_date": "soon"}, {"due_date"}),
        (
            "/v1/goals",
            {
                "title": "Read 12 books",
                "due_date": "2030-01-01",
                "metric": {"unit": "books", "start": 0, "target": 12, "direction": "sideways"},
            },
            {"metric.direction"},
        ),
    ],
)
def test_malformed_bodies_get_422_naming_the_fields(make_service, path, body, fields):
    goals = make_service("goals", start_worker=False)
    lead = create_team(goals).lead
    response = goals.client.post(path, headers=auth(lead), json=body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set(response.json["errors"]) == fields
