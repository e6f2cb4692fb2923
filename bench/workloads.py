"""For each service: a container with its state prepared and N events it consumes on the broker."""

from __future__ import annotations

import importlib
import uuid

from kafka import KafkaProducer

from shared.config import Settings
from shared.events.envelope import Event, to_message
from shared.events.topics import CHECKINS_EVENTS, GOALS_EVENTS

AT = "2026-11-21T10:00:00+00:00"


def _container(service: str, settings: Settings):
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    container.create_schema()
    container.ensure_topics()
    return container


def _client(service: str, container):
    app = importlib.import_module(f"services.{service}.entrypoints.app").create_app(container)
    return app.test_client()


def _produce(settings: Settings, logical_topic: str, events: list[Event]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all",
                             linger_ms=5)
    for event in events:
        m = to_message(event)
        producer.send(settings.topic(logical_topic), key=m.key.encode(), value=m.value,
                      headers=list(m.headers.items()))
    producer.flush(120)
    producer.close()


def _event(type_: str, team_id: str, data: dict, source: str) -> Event:
    return Event.new(type_, team_id, data, subject=None, source=f"/goalkeeper/{source}")


def _team(team_id: str) -> dict:
    return {"team_id": team_id, "name": "Bench", "timezone": "UTC"}


def _member(team_id: str, member_id: str, role: str = "lead") -> dict:
    return {"team_id": team_id, "member_id": member_id, "name": "Bench", "role": role,
            "email": f"{member_id}@example.com", "timezone": "UTC"}


def _goal(team_id: str, owner_id: str, goal_id: str) -> dict:
    return {"goal_id": goal_id, "team_id": team_id, "owner_id": owner_id, "title": "Bench goal",
            "status": "active", "start_date": "2026-01-01", "due_date": "2030-01-01",
            "metric": {"unit": "steps", "start": 0, "target": 1e9, "current": 0}}


def _checkin(team_id: str, goal_id: str, author_id: str) -> dict:
    return {"checkin_id": str(uuid.uuid4()), "goal_id": goal_id, "team_id": team_id,
            "author_id": author_id, "delta": 1.0, "at": AT}


def goals(settings: Settings, n: int):
    container = _container("goals", settings)
    client = _client("goals", container)
    auth = {"Authorization": f"Bearer {settings.admin_token}"}
    team = client.post("/v1/teams", headers=auth, json={
        "name": "Bench", "timezone": "UTC",
        "lead": {"name": "Bench", "email": "bench@example.com", "timezone": "UTC"}}).get_json()
    lead = {"Authorization": f"Bearer {team['lead']['token']}"}
    goal = client.post("/v1/goals", headers=lead, json={
        "title": "Bench 1000000000 steps", "why": "benchmark", "due_date": "2030-01-01",
        "metric": {"unit": "steps", "start": 0, "target": 1e9}}).get_json()
    team_id, lead_id = team["team"]["id"], team["lead"]["id"]
    _produce(settings, CHECKINS_EVENTS, [
        _event("checkin.logged", team_id, _checkin(team_id, goal["id"], lead_id), "checkins")
        for _ in range(n)])
    return container


def checkins(settings: Settings, n: int):
    container = _container("checkins", settings)
    team_id, member_id = str(uuid.uuid4()), str(uuid.uuid4())
    events = [_event("team.created", team_id, _team(team_id), "goals"),
              _event("member.added", team_id, _member(team_id, member_id), "goals")]
    events += [_event("goal.created", team_id, _goal(team_id, member_id, str(uuid.uuid4())),
                      "goals") for _ in range(n - 2)]
    _produce(settings, GOALS_EVENTS, events)
    return container


def notifications(settings: Settings, n: int):
    """A check-in's channel message waits for the goals service's figure (`goal.progressed`):
    n - 2 check-ins wait (rows prepared in the database, as `checkin.logged` leaves them), and
    each `goal.progressed` announces one to the team's Slack channel, whose backlog grows (no
    deliverer runs) while its check-ins coalesce."""
    from services.notifications.domain.announcement import AwaitedCheckin

    container = _container("notifications", settings)
    team_id, member_id, goal_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    token = container.tokens.issue(team_id, member_id, "lead")
    client = _client("notifications", container)
    client.post(f"/v1/teams/{team_id}/channels", headers={"Authorization": f"Bearer {token}"},
                json={"type": "slack", "webhook_url": "http://127.0.0.1:9/services/bench"})
    checkins = [_checkin(team_id, goal_id, member_id) for _ in range(n - 2)]
    with container.uow() as uow:
        for c in checkins:
            event = _event("checkin.logged", team_id, c, "checkins")
            uow.awaited_checkins.add(AwaitedCheckin(
                c["checkin_id"], goal_id, team_id, event.id, event.time, c,
                container.clock.now()))
        uow.commit()
    events = [_event("member.added", team_id, _member(team_id, member_id), "goals"),
              _event("goal.created", team_id, _goal(team_id, member_id, goal_id), "goals")]
    events += [_event("goal.progressed", team_id, {
        "goal_id": goal_id, "team_id": team_id, "owner_id": member_id, "previous": float(i),
        "current": float(i + 1), "progress": (i + 1) / 1e9, "checkin_id": c["checkin_id"],
        "at": AT}, "goals") for i, c in enumerate(checkins)]
    _produce(settings, GOALS_EVENTS, events)
    return container


def notifications_feed(settings: Settings, n: int):
    """kudos.given to one member: each event is one in-app feed entry (no channel, no Slack)."""
    container = _container("notifications", settings)
    team_id, owner, giver, goal_id = (str(uuid.uuid4()) for _ in range(4))
    _produce(settings, GOALS_EVENTS, [
        _event("member.added", team_id, _member(team_id, owner, "member"), "goals"),
        _event("member.added", team_id, _member(team_id, giver, "member"), "goals"),
        _event("goal.created", team_id, _goal(team_id, owner, goal_id), "goals")])
    _produce(settings, CHECKINS_EVENTS, [_event("kudos.given", team_id, {
        "checkin_id": str(uuid.uuid4()), "goal_id": goal_id, "team_id": team_id,
        "from_id": giver, "to_id": owner, "emoji": "tada", "at": AT}, "checkins")
        for _ in range(n - 3)])
    return container


WORKLOADS = {"goals": goals, "checkins": checkins, "notifications": notifications,
             "notifications-feed": notifications_feed}
DESCRIPTIONS = {
    "goals": "goals consumer: checkin.logged on one goal",
    "checkins": "checkins consumer: goal.created (read model)",
    "notifications": "notifications consumer: goal.progressed announces a check-in → one Slack "
                     "channel (backlog)",
    "notifications-feed": "notifications consumer: kudos.given → a member's feed",
}
