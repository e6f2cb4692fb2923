"""A `/goals checkin` from Slack through notifications, Kafka, checkins and goals, and back.

Needs all three services on the real broker: notifications publishes `checkin.requested` on
`checkins.commands`, checkins logs it and publishes `checkin.logged` (with the request id),
goals moves the metric, and notifications posts the result to Slack's response_url.
"""

from __future__ import annotations

import time

import pytest

from tests.notifications.support import SLACK_SECRET, form, sign
from tests.support.seed import add_member, create_team
from tests.support.stack import auth
from tests.support.waiting import counted, eventually

pytestmark = pytest.mark.slow


def test_slash_command_checkin_travels_the_whole_way_and_answers_at_the_response_url(
        make_service, slack):
    goals = make_service("goals")
    checkins = make_service("checkins")
    notifications = make_service("notifications", SLACK_SIGNING_SECRET=SLACK_SECRET)
    team = create_team(goals, timezone="Europe/Berlin")
    _, ana = add_member(goals, team, "Ana", timezone="Europe/Berlin", slack_user_id="UANA")
    goal = goals.client.post("/v1/goals", headers=auth(ana), json={
        "title": "Ship the onboarding flow", "description": "New users finish setup alone",
        "due_date": "2030-06-30", "metric": {"unit": "steps", "start": 0, "target": 10}})
    assert goal.status_code == 201, goal.json
    goal_id = goal.json["id"]

    def slash(text: str, response_url: str = ""):
        body = form(text, user_id="UANA", response_url=response_url)
        return notifications.client.post("/slack/commands", data=body,
                                         headers=sign(body, int(time.time())))

    eventually(lambda: goal_id[:8] in slash("goals").json["text"], timeout=60)
    response_url = f"{slack.url}/commands/T1/e2e"
    def answered():
        return [r for r in slack.delivered() if r.path == "/commands/T1/e2e"]

    ack = slash(f"checkin {goal_id[:8]} 4 halfway there", response_url)
    assert ack.status_code == 200 and ack.json["text"].startswith("⏳ Logging 4 steps")
    assert answered() == []  # acknowledged before the work: the answer comes later

    try:
        eventually(answered, timeout=60)
    except AssertionError as exc:
        raise AssertionError(f"no answer at the response_url; {trail(checkins, notifications)}"
                             ) from exc
    eventually(lambda: goals.client.get(f"/v1/goals/{goal_id}", headers=auth(ana))
               .json["metric"]["current"] == 4, timeout=60)
    effects = counted(lambda: [("answer", r.path) for r in slack.delivered()] + [
        ("check-in", c["goal_id"], c["source"]) for c in checkins.client.get(
            f"/v1/goals/{goal_id}/checkins", headers=auth(ana)).json["items"]])
    assert effects == {("answer", "/commands/T1/e2e"): 1, ("check-in", goal_id, "slack"): 1}
    [answer] = answered()
    assert answer.json()["response_type"] == "ephemeral"
    assert answer.json()["text"].startswith("✅ Logged 4 steps on *Ship the onboarding flow*.")


def trail(*harnesses) -> str:
    """Which events each service published and consumed, to say where the chain broke."""
    parts = []
    for harness in harnesses:
        tables = harness.container.metadata.tables
        with harness.container.engine.connect() as conn:
            sent = [r.event_type for r in conn.execute(tables["outbox"].select())]
            seen = [r.event_type for r in conn.execute(tables["inbox"].select())]
        parts.append(f"{harness.service} published {sent}, consumed {seen}")
    return "; ".join(parts)
