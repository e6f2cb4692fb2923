"""Helpers for the notifications tests: events as other services publish them, and runners.

The fixtures built from them are in `conftest.py`."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import partial
from urllib.parse import urlencode

from kafka import KafkaProducer
from sqlalchemy import select

from services.notifications.domain.notification import Notification
from shared.events.envelope import Event, to_message
from shared.events.registry import load, lookup
from shared.worker import Stop
from tests.support.races import at_once
from tests.support.stack import scheduled_job
from tests.support.waiting import eventually

AT = "2030-01-07T10:00:00+00:00"
SLACK_SECRET = "slack-signing-secret"


def sign(body: bytes, timestamp: int, secret: str = SLACK_SECRET) -> dict:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": "v0=" +
            digest.hexdigest(), "Content-Type": "application/x-www-form-urlencoded"}


def form(text: str, user_id: str = "UANA", response_url: str = "",
         trigger_id: str | None = None) -> bytes:
    """A `/goals` invocation's body as Slack posts it; each has its own `trigger_id`."""
    return urlencode({"command": "/goals", "text": text, "user_id": user_id, "team_id": "T1",
                      "response_url": response_url,
                      "trigger_id": trigger_id or f"{uuid.uuid4().int % 10**13}.42.abc"}).encode()


def slash(harness, body: bytes, headers: dict | None = None):
    """POST `body` to /slack/commands as Slack would, signed now unless `headers` are given."""
    headers = sign(body, int(time.time())) if headers is None else headers
    return harness.client.post("/slack/commands", data=body, headers=headers)


def requested(notifications) -> list[dict]:
    """The `checkin.requested` commands the service wrote to its outbox, as published."""
    outbox = notifications.container.metadata.tables["outbox"]
    with notifications.container.uow() as uow:
        rows = uow.session.execute(outbox.select()
                                   .where(outbox.c.event_type == "checkin.requested")).all()
    return [json.loads(row.payload) for row in rows]


def new_id() -> str:
    return str(uuid.uuid4())


def event(event_type: str, team_id: str, /, id: str | None = None, **data) -> Event:
    publisher = lookup(event_type).publisher
    built = Event.new(event_type, team_id, {"team_id": team_id, **data}, subject=None,
                      source=f"/goalkeeper/{publisher}")
    return dataclasses.replace(built, id=id) if id else built


def member(team_id: str, member_id: str, name: str, *, role: str = "member",
           timezone: str = "UTC", slack_user_id: str | None = None) -> Event:
    return event("member.added", team_id, member_id=member_id, name=name,
                 email=f"{name.lower()}@example.com", role=role, timezone=timezone,
                 slack_user_id=slack_user_id)


def snoozed(team: Team, member_id: str, name: str, until: date | None, role: str = "member",
            timezone: str = "UTC") -> Event:
    """`member.updated`: the member on holiday until `until` (their last day snoozed), or
    awake again (None)."""
    return event("member.updated", team.id, member_id=member_id, name=name,
                 email=f"{name.lower()}@example.com", role=role, timezone=timezone,
                 state="snoozed" if until else "active",
                 snoozed_until=until.isoformat() if until else None)


def goal(team_id: str, goal_id: str, owner_id: str, title: str, *, visibility: str = "team",
         event_type: str = "goal.created", health: str | None = "on_track",
         metric: dict | None = None, kind: str = "personal") -> Event:
    return event(event_type, team_id, goal_id=goal_id, owner_id=owner_id, title=title,
                 status="achieved" if event_type == "goal.achieved" else "active",
                 visibility=visibility, kind=kind, start_date="2030-01-01",
                 due_date="2030-12-31",
                 health=health,
                 metric=metric or {"unit": "km", "start": 0, "target": 100, "current": 0})


def goal_without_metric(team_id: str, goal_id: str, owner_id: str, title: str) -> Event:
    """`goal.created` of a goal whose milestones or notes make its progress (no metric)."""
    created = goal(team_id, goal_id, owner_id, title)
    return dataclasses.replace(created, data={**created.data, "metric": None})


def checkin(team_id: str, goal_id: str, author_id: str, value: float, note: str = "",
            at: str = AT, **extra) -> Event:
    return event("checkin.logged", team_id, checkin_id=new_id(), goal_id=goal_id,
                 author_id=author_id, value=value, note=note, at=at, **extra)


def progressed(logged: Event, progress: float) -> Event:
    """The goals service's answer to a logged check-in: its figure for the goal after it."""
    d = logged.data
    return event("goal.progressed", logged.team_id, goal_id=d["goal_id"],
                 owner_id=d["author_id"], current=d["value"], progress=progress,
                 checkin_id=d["checkin_id"], at=d["at"])


def consumed(item: Event) -> Event:
    """`item` as the consumer hands it to a handler: data loaded, timestamps as datetimes."""
    return dataclasses.replace(item, data=load(item.type, item.data))


def handle(service, *events: Event) -> None:
    """Run events through the service's handlers, one unit of work each (no broker).

    `service` is a harness or its container."""
    container = getattr(service, "container", service)
    handlers = container.handlers()
    for item in events:
        with container.uow() as uow:
            handlers[item.type](consumed(item), uow)
            uow.commit()


def produce(harness, *events: Event) -> None:
    """Publish events on the real broker, on the topic their publisher uses."""
    producer = KafkaProducer(bootstrap_servers=harness.settings.kafka_bootstrap_servers,
                             acks="all")
    try:
        for item in events:
            message = to_message(item)
            topic = harness.settings.topic(lookup(item.type).topic)
            producer.send(topic, key=message.key.encode(), value=message.value,
                          headers=list(message.headers.items()))
        producer.flush(15)
    finally:
        producer.close()


@contextmanager
def delivering(service) -> Iterator[None]:
    """Run the delivery loop in a thread for the duration of the block (harness or container)."""
    container = getattr(service, "container", service)
    stop = Stop()
    thread = threading.Thread(target=container.deliverer.run, args=(stop,), daemon=True)
    thread.start()
    try:
        eventually(lambda: container.deliverer.accepting, timeout=10)  # the loop takes hand-overs
        yield
    finally:
        stop.set()
        thread.join(10)


def post_at_once(harness, path: str, body: bytes, headers: dict, copies: int = 2) -> list:
    """The answers to `copies` copies of one POST released together from as many threads,
    each with its own test client of the harness (copies arriving at the same moment)."""
    clients = [harness.app.test_client() for _ in range(copies)]
    return at_once(*(partial(client.post, path, data=body, headers=headers)
                     for client in clients))


class Team:
    """A team seeded into the notifications read model: a lead, two members, one goal (none
    `with_goal=False`: `self.goal` is then an id no event named)."""

    def __init__(self, harness, *, timezone: str = "UTC", with_goal: bool = True):
        self.harness = harness
        c = harness.container
        self.id, self.lead, self.ana, self.ben = new_id(), new_id(), new_id(), new_id()
        self.goal = new_id()
        handle(c, event("team.created", self.id, name="Platform", timezone=timezone),
               member(self.id, self.lead, "Lena", role="lead", timezone=timezone),
               member(self.id, self.ana, "Ana", timezone=timezone, slack_user_id="UANA"),
               member(self.id, self.ben, "Ben", timezone=timezone),
               *([goal(self.id, self.goal, self.ana, "Run 100 km")] if with_goal else []),
               event("partners.paired", self.id, partnership_id=new_id(),
                     member_ids=[self.ana, self.ben], at=AT))

    def token(self, member_id: str | None = None, role: str = "member") -> str:
        member_id = member_id or self.lead
        role = "lead" if member_id == self.lead else role
        return self.harness.container.tokens.issue(self.id, member_id, role)

    def auth(self, member_id: str | None = None) -> dict:
        return {"Authorization": f"Bearer {self.token(member_id)}"}

    def channel(self, url: str, **body) -> dict:
        response = self.harness.client.post(f"/v1/teams/{self.id}/channels", headers=self.auth(),
                                            json={"type": "slack", "webhook_url": url, **body})
        assert response.status_code == 201, response.json
        return response.json

    def feed(self, member_id: str) -> list[dict]:
        response = self.harness.client.get("/v1/me/feed", headers=self.auth(member_id))
        assert response.status_code == 200, response.json
        return response.json["items"]

    def log(self, **query) -> list[dict]:
        response = self.harness.client.get(f"/v1/teams/{self.id}/deliveries",
                                           headers=self.auth(), query_string=query)
        assert response.status_code == 200, response.json
        return response.json["items"]


def held_ids(n, member_id: str) -> list[str]:
    """The ids of the member's feed items quiet hours hold (none is shown yet)."""
    with n.container.uow() as uow:
        return list(uow.session.scalars(select(Notification.id).where(
            Notification.recipient_id == member_id, Notification.status == "held")))


def make_digests_at_eight(clock, n) -> None:
    """08:01 UTC on 8 January 2030 (the day after the digest tests' day): the personal digests
    job runs."""
    clock.set(datetime(2030, 1, 8, 8, 1, tzinfo=UTC))
    scheduled_job(n.container, "personal-digests").run()
