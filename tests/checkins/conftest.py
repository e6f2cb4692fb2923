"""Fixtures of the checkins tests: a service on a controlled clock and a team fed from events.

`World` builds `goals.events` payloads, applies them through the service's own consumer
handlers in a unit of work, exactly as the consumer would, and reads back what the service
published from its outbox.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from shared.clock import ControlledClock
from shared.events.envelope import Event
from shared.events.registry import load
from tests.support.stack import ServiceHarness, auth

START = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


def new_id() -> str:
    return str(uuid.uuid4())


class World:
    def __init__(self, harness: ServiceHarness, team_tz: str = "Europe/Berlin"):
        self.harness = harness
        self.team_id = new_id()
        self.members: dict[str, dict] = {}
        self.goals: dict[str, dict] = {}
        self.apply("team.created", {"team_id": self.team_id, "name": "Platform",
                                    "timezone": team_tz, "default_cadence": None})

    # -- feeding the read model -------------------------------------------------------------
    def apply(self, event_type: str, data: dict) -> Event:
        event = Event.new(event_type, data.get("team_id", self.team_id), data, subject=None,
                          source="/goalkeeper/goals")
        consumed = replace(event, data=load(event_type, event.data))  # as `from_kafka` has it
        container = self.harness.container
        with container.uow() as uow:
            container.handlers()[event_type](consumed, uow)
            uow.commit()
        return event

    def member(self, name: str, *, role: str = "member", tz: str = "Europe/Berlin",
               event: str = "member.added", **fields) -> str:
        member_id = fields.pop("member_id", None) or new_id()
        data = {"team_id": self.team_id, "member_id": member_id, "name": name,
                "email": f"{name.lower()}@example.com", "role": role, "timezone": tz,
                "state": "active", "token_version": 1, **fields}
        self.members[member_id] = data
        self.apply(event, data)
        return member_id

    def update_member(self, member_id: str, **changes) -> None:
        self.members[member_id] = {**self.members[member_id], **changes}
        self.apply("member.updated", self.members[member_id])

    def goal(self, owner_id: str, title: str = "Ship the onboarding flow", *,
             metric: bool = True, event: str = "goal.created", **fields) -> str:
        goal_id = fields.pop("goal_id", None) or new_id()
        data = {"goal_id": goal_id, "team_id": self.team_id, "owner_id": owner_id,
                "title": title, "status": "active", "visibility": "team",
                "start_date": "2026-01-05",
                "metric": {"unit": "steps", "start": 0, "target": 10, "current": 0}
                if metric else None, **fields}
        self.goals[goal_id] = data
        self.apply(event, data)
        return goal_id

    def update_goal(self, goal_id: str, event: str = "goal.updated", **changes) -> None:
        self.goals[goal_id] = {**self.goals[goal_id], **changes}
        self.apply(event, self.goals[goal_id])

    # -- calling the API --------------------------------------------------------------------
    def token(self, member_id: str, team_id: str | None = None) -> str:
        role = self.members.get(member_id, {}).get("role", "member")
        return self.harness.container.tokens.issue(team_id or self.team_id, member_id, role)

    def as_(self, member_id: str) -> dict:
        return auth(self.token(member_id))

    def checkin(self, goal_id: str, member_id: str, expect: int = 201, **body):
        response = self.harness.client.post(f"/v1/goals/{goal_id}/checkins",
                                            headers=self.as_(member_id), json=body or {"value": 1})
        assert response.status_code == expect, response.json
        return response.json

    # -- what the service published ---------------------------------------------------------
    def published(self, *types: str) -> list[dict]:
        outbox = self.harness.container.metadata.tables["outbox"]
        with self.harness.container.engine.connect() as conn:
            rows = conn.execute(select(outbox.c.event_type, outbox.c.payload)
                                .order_by(outbox.c.id)).all()
        return [{"type": t, **json.loads(p)} for t, p in rows if not types or t in types]


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def checkins(make_service, clock) -> ServiceHarness:
    """The checkins service on `clock`, without a worker: tests tick its jobs themselves."""
    return make_service("checkins", clock=clock, start_worker=False)


@pytest.fixture
def world(checkins) -> World:
    return World(checkins)
