"""The whole system for a fault scenario: three services on PostgreSQL, their workers as real
processes (so they can be SIGKILLed), a broker and a database server the scenario may break."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.support.stack import ADMIN_TOKEN, ServiceHarness, auth, service_env
from tests.support.waiting import eventually

SERVICES = ("goals", "checkins", "notifications")


class FaultStack:
    def __init__(self, broker, postgres, slack_url: str):
        self.broker = broker
        self.postgres = postgres
        self.prefix = f"f{uuid.uuid4().hex[:8]}."
        self.services: dict[str, ServiceHarness] = {}
        for service in SERVICES:
            url = postgres.create_database(f"fault_{service}_{uuid.uuid4().hex[:8]}")
            env = service_env(service, url, broker.bootstrap, self.prefix)
            self.services[service] = ServiceHarness(service, env)
        self.slack_url = slack_url

    def __getitem__(self, service: str) -> ServiceHarness:
        return self.services[service]

    def start(self) -> None:
        for harness in self.services.values():
            harness.container.ensure_topics()
            harness.spawn_worker()

    def close(self) -> None:
        for harness in self.services.values():
            harness.close()

    def seed(self) -> dict:
        goals = self["goals"].client
        team = goals.post(
            "/v1/teams",
            headers=auth(ADMIN_TOKEN),
            json={
                "name": "Faults",
                "timezone": "UTC",
                "lead": {"name": "Fay", "email": "fay@example.com", "timezone": "UTC"},
            },
        ).get_json()
        token = team["lead"]["token"]
        goal = goals.post(
            "/v1/goals",
            headers=auth(token),
            json={
                "title": "Survive 1000000 faults",
                "why": "resilience",
                "due_date": "2031-01-01",
                "metric": {"unit": "faults", "start": 0, "target": 1_000_000},
            },
        ).get_json()
        channel = self["notifications"].client.post(
            f"/v1/teams/{team['team']['id']}/channels",
            headers=auth(token),
            json={"type": "slack", "webhook_url": self.slack_url},
        )
        assert channel.status_code == 201, channel.get_json()
        ctx = {"team_id": team["team"]["id"], "token": token, "goal_id": goal["id"]}
        eventually(lambda: self._knows_goal("checkins", ctx), timeout=90)
        eventually(lambda: self._knows_goal("notifications", ctx), timeout=90)
        return ctx

    def _knows_goal(self, service: str, ctx: dict) -> bool:
        sql = "SELECT count(*) FROM goal_views WHERE goal_id = :id"
        return bool(self._scalar(service, sql, id=ctx["goal_id"]))

    # -- effects ----------------------------------------------------------------------------
    def goal_progress(self, ctx: dict) -> float:
        return (
            self._scalar(
                "goals", "SELECT metric_current FROM goals WHERE id = :id", id=ctx["goal_id"]
            )
            or 0.0
        )

    def checkins_known_to_goals(self) -> int:
        return self._scalar(
            "goals", "SELECT count(*) FROM inbox WHERE event_type = 'checkin.logged'"
        )

    def checkins_routed(self) -> int:
        return self._scalar(
            "notifications",
            "SELECT count(DISTINCT event_id) FROM notifications"
            " WHERE event_type = 'checkin.logged'",
        )

    def notification_rows(self) -> int:
        return self._scalar(
            "notifications",
            "SELECT count(*) FROM notifications WHERE event_type = 'checkin.logged'",
        )

    def undelivered(self) -> int:
        """Channel notifications not yet in a final state (sent, or merged into a sent one)."""
        return self._scalar(
            "notifications",
            "SELECT count(*) FROM notifications WHERE channel_id IS NOT NULL"
            " AND status NOT IN ('sent', 'coalesced', 'failed')",
        )

    def sent_messages(self) -> int:
        return self._scalar(
            "notifications",
            "SELECT count(*) FROM notifications WHERE channel_id IS NOT NULL AND status = 'sent'",
        )

    def _scalar(self, service: str, sql: str, **params):
        with self[service].container.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
