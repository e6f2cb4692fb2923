"""Fuzzing the checkins and notifications OpenAPI specs finds no 5xx (goals has its own, with
ids of its own resources: tests/goals/test_openapi_fuzz.py)."""

from __future__ import annotations

import pytest

from tests.support.fuzz import fuzz_for_server_errors, operation_count
from tests.support.stack import ADMIN_TOKEN, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
def world(make_service, slack):
    goals = make_service("goals")
    lead = goals.client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
        "name": "Fuzz", "timezone": "UTC",
        "lead": {"name": "Fu", "email": "fu@example.com", "timezone": "UTC"}}).get_json()["lead"]
    goal = goals.client.post("/v1/goals", headers=auth(lead["token"]), json={
        "title": "Write 5 fuzz reports", "why": "quality", "due_date": "2031-01-01",
        "metric": {"unit": "reports", "start": 0, "target": 5}}).get_json()
    return {"goals": goals, "lead": lead, "goal": goal, "slack": slack}


def test_fuzzing_checkins_finds_no_server_error(make_service, world):
    checkins = make_service("checkins")
    lead, goal = world["lead"], world["goal"]

    def checkin():
        response = checkins.client.post(f"/v1/goals/{goal['id']}/checkins",
                                        headers=auth(lead["token"]), json={"value": 1})
        assert response.status_code == 201
        return response.get_json()

    first = eventually(checkin, timeout=90)
    real = {"team_id": lead["team_id"], "member_id": lead["id"], "goal_id": goal["id"],
            "checkin_id": first["id"]}
    assert operation_count(checkins.app) >= 15
    assert fuzz_for_server_errors(checkins.app, lead["token"], real, examples=4) == []


def test_fuzzing_notifications_finds_no_server_error(make_service, world):
    notifications = make_service("notifications")
    lead = world["lead"]
    channel = notifications.client.post(
        f"/v1/teams/{lead['team_id']}/channels", headers=auth(lead["token"]),
        json={"type": "slack", "webhook_url": world["slack"].webhook()}).get_json()
    real = {"team_id": lead["team_id"], "channel_id": channel["id"]}
    assert operation_count(notifications.app) >= 10
    assert fuzz_for_server_errors(notifications.app, lead["token"], real, examples=4) == []
