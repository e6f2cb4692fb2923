"""A streak reads in its goal's periods wherever notifications shows it: "3 weeks in a row".

Goals, checkins and notifications run on the real broker; Slack is a local Slack-like server that
takes the team's weekly digest. `streak.reached` names the frequency of the cadence checkins
applies to the goal; an event published before it did (one still in the topic, or replayed)
reads as it did then.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from kafka import KafkaProducer

from shared.clock import ControlledClock
from shared.events.envelope import to_message
from shared.events.topics import CHECKINS_EVENTS
from tests.notifications.support import event
from tests.support.seed import create_team
from tests.support.stack import auth, scheduled_job
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

WEEK = timedelta(days=7)


def started(make_service, slack, notifications_time: datetime, **services) -> SimpleNamespace:
    """Goals and notifications (its clock at `notifications_time`) on the broker, `services`
    beside them, a team whose digest goes to Slack, and a goal on the built-in weekly cadence
    (none of its own, none by default): notifications knows it once its feed has it."""
    goals = make_service("goals")
    notifications = make_service("notifications", clock=ControlledClock(notifications_time))
    built = {name: make(make_service) for name, make in services.items()}
    team = create_team(goals)
    channel = notifications.client.post(f"/v1/teams/{team.id}/channels", headers=auth(team.lead),
                                        json={"type": "slack", "webhook_url": slack.webhook(),
                                              "event_types": ["digest.team"]})
    assert channel.status_code == 201, channel.json
    goal = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Write the handbook", "due_date": "2030-12-31",
        "metric": {"unit": "pages", "start": 0, "target": 100}})
    assert goal.status_code == 201, goal.json
    goal_id = goal.json["id"]

    def known() -> bool:
        with notifications.container.uow() as uow:
            return uow.replicas.goal(goal_id) is not None

    eventually(known, timeout=60)

    def feed_streaks() -> list[str]:
        response = notifications.client.get("/v1/me/feed", headers=auth(team.lead))
        assert response.status_code == 200, response.json
        return [i["text"] for i in response.json["items"] if i["event_type"] == "streak.reached"]

    def digest_text() -> str:
        """The team's digest as Slack receives it, sent at notifications' clock's hour."""
        now = notifications.container.clock.now()
        settings = notifications.client.put(f"/v1/teams/{team.id}/digest", headers=auth(
            team.lead), json={"weekday": now.weekday(), "hour": now.hour})
        assert settings.status_code == 200, settings.json
        scheduled_job(notifications.container, "team-digests").run()
        [digest] = eventually(lambda: slack.delivered(), timeout=60)
        return " ".join(block["text"]["text"] for block in digest.json()["blocks"]
                        if "text" in block)

    return SimpleNamespace(goals=goals, notifications=notifications, team=team, goal=goal_id,
                           feed_streaks=feed_streaks, digest_text=digest_text, **built)


def test_a_weekly_goals_streak_reads_in_weeks_in_slack_and_the_feed(make_service, slack):
    """Slack's digest said "reached a 3 check-in streak" and the feed "checked in 3 times in a
    row" of a goal checked in three weeks running: they now name its weeks."""
    now = datetime.now(UTC).replace(microsecond=0)
    checkins_clock = ControlledClock(now)
    s = started(make_service, slack, now + 2 * WEEK + timedelta(hours=1),
                checkins=lambda make: make("checkins", clock=checkins_clock))
    lead = auth(s.team.lead)
    eventually(lambda: s.checkins.client.get(f"/v1/goals/{s.goal}/checkins",
                                             headers=lead).status_code == 200, timeout=60)
    for week in range(3):  # each check-in in the next week's period
        if week:
            checkins_clock.advance(days=7)
        logged = s.checkins.client.post(f"/v1/goals/{s.goal}/checkins", headers=lead,
                                        json={"value": 10 * (week + 1)})
        assert logged.status_code == 201, logged.json

    [streak] = eventually(s.feed_streaks, timeout=60)
    assert streak == "🔥 *Lena* checked in 3 weeks in a row on *Write the handbook*"
    assert "🔥 *Lena* checked in 3 weeks in a row" in s.digest_text()


def test_a_streak_event_from_before_it_named_its_period_reads_as_it_did(make_service, slack):
    """An event without `frequency` (published by an older checkins, still in the topic or
    replayed) is neither refused nor guessed at: it reads in check-ins, in the words it had,
    beside one that names its period."""
    now = datetime.now(UTC).replace(microsecond=0)
    s = started(make_service, slack, now + timedelta(hours=1))
    current = event("streak.reached", s.team.id, goal_id=s.goal, owner_id=s.team.lead_id,
                    length=7, at=now.isoformat())
    old = dataclasses.replace(current, data={  # as checkins wrote it before: no such key
        k: v for k, v in current.data.items() if k != "frequency"})
    monthly = event("streak.reached", s.team.id, goal_id=s.goal, owner_id=s.team.lead_id,
                    length=3, frequency="monthly", at=(now + timedelta(minutes=1)).isoformat())
    publish(s.notifications.settings, old, monthly)

    streaks = eventually(lambda: len(s.feed_streaks()) == 2 and s.feed_streaks(), timeout=60)
    assert sorted(streaks) == ["🔥 *Lena* checked in 3 months in a row on *Write the handbook*",
                               "🔥 *Lena* checked in 7 times in a row on *Write the handbook*"]
    digest = s.digest_text()
    assert "🔥 *Lena* reached a 7 check-in streak" in digest
    assert "🔥 *Lena* checked in 3 months in a row" in digest


def publish(settings, *events) -> None:
    """`events` on the checkins topic, as checkins' relay writes them."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                             acks="all")
    try:
        for each in events:
            message = to_message(each)
            producer.send(settings.topic(CHECKINS_EVENTS), key=each.team_id.encode(),
                          value=message.value, headers=list(message.headers.items())
                          ).get(timeout=30)
    finally:
        producer.close()
