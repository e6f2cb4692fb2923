"""Shortcuts for the goals tests: goals, published events, outbox reads. Teams and members come
from tests/support/seed.py."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from shared.events.envelope import Event, to_message
from shared.kafka import make_producer
from tests.support.stack import ServiceHarness, auth, scheduled_job

START = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)  # a Sunday, far from any DST change in UTC


def create_goal(goals: ServiceHarness, token: str, **fields) -> dict:
    body = {"title": "Close 20 support tickets", "why": "Customers wait too long",
            "start_date": "2031-03-02", "due_date": "2031-03-11",
            "metric": {"unit": "tickets", "start": 0, "target": 20}, **fields}
    response = goals.client.post("/v1/goals", headers=auth(token), json=body)
    assert response.status_code == 201, response.json
    return response.json


def run_job(goals: ServiceHarness, name: str = "health"):
    """Run the worker's scheduled job `name` once (the health job by default)."""
    return scheduled_job(goals.container, name).run()


def get(goals: ServiceHarness, path: str, token: str):
    return goals.client.get(path, headers=auth(token))


def post(goals: ServiceHarness, path: str, token: str, body: dict | None = None):
    return goals.client.post(path, headers=auth(token), json=body or {})


def publish(harness: ServiceHarness, event_type: str, team_id: str, data: dict, *,
            event_id: str | None = None, topic: str = "checkins.events") -> str:
    """Produce one catalogued event to the real broker, as another service would."""
    event = Event.new(event_type, team_id, data, subject=None, source="/goalkeeper/tests")
    if event_id is not None:
        event = Event(event.type, event.team_id, event.data, event.subject, event_id,
                      event.source, event.time, event.schema_version)
    message = to_message(event)
    producer = make_producer(harness.settings)
    try:
        producer.send(harness.settings.topic(topic), key=team_id.encode(), value=message.value,
                      headers=list(message.headers.items())).get(timeout=30)
    finally:
        producer.close(timeout=5)
    return event.id


def checkin(goal: dict, *, value: float | None = None, delta: float | None = None,
            milestones: list[str] | None = None, at: datetime = START) -> dict:
    return {"checkin_id": str(uuid.uuid4()), "goal_id": goal["id"], "team_id": goal["team_id"],
            "author_id": goal["owner_id"], "value": value, "delta": delta,
            "completed_milestones": milestones or [], "at": at.isoformat()}


def outbox(harness: ServiceHarness, event_type: str | None = None) -> list[dict]:
    """Events the service has committed to publish, oldest first (payload data)."""
    table = harness.container.metadata.tables["outbox"]
    query = select(table.c.event_type, table.c.payload).order_by(table.c.id)
    if event_type is not None:
        query = query.where(table.c.event_type == event_type)
    with harness.container.engine.connect() as conn:
        return [json.loads(row.payload) for row in conn.execute(query)]


def outbox_by_id(harness: ServiceHarness, event_type: str) -> dict[str, dict]:
    """Events of `event_type` the service has committed to publish, by event id (payload), in
    the order they were written (a table's rows come back in no set order: PostgreSQL's move
    once the relay marks them sent)."""
    table = harness.container.metadata.tables["outbox"]
    query = select(table.c.event_id, table.c.payload).where(
        table.c.event_type == event_type).order_by(table.c.id)
    with harness.container.engine.connect() as conn:
        return {row.event_id: json.loads(row.payload) for row in conn.execute(query)}


def consumed(harness: ServiceHarness, event_id: str) -> bool:
    """The service's consumer has handled the event `event_id` (its inbox holds the id)."""
    table = harness.container.metadata.tables["inbox"]
    query = select(table.c.event_id).where(table.c.event_id == event_id)
    with harness.container.engine.connect() as conn:
        return conn.execute(query).first() is not None
