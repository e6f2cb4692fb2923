"""The whole system for a fault scenario: three services on PostgreSQL, their workers as real
processes (so they can be SIGKILLed), a broker and a database server the scenario may break.

The seeded team: a lead (Fay) and a member (Max). Max owns the goal and checks in; Fay is his
accountability partner, so each check-in reaches her feed as well as the team's Slack channel.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text

from tests.support.seed import add_member, create_team
from tests.support.stack import ServiceHarness, auth, service_env
from tests.support.waiting import eventually

SERVICES = ("goals", "checkins", "notifications")
NOTIFICATION_COLUMNS = "id, event_id, event_type, channel_id, status, merged_into, body, last_error"


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
        self.seeded_team_id = ""

    def __getitem__(self, service: str) -> ServiceHarness:
        return self.services[service]

    def start(self) -> None:
        for harness in self.services.values():
            harness.container.ensure_topics()
            harness.spawn_worker()

    def close(self) -> None:
        for harness in self.services.values():
            harness.close()

    def consumers_of(self, topic: str) -> list[str]:
        """The services whose worker consumes the logical `topic`."""
        return [name for name, h in self.services.items() if topic in h.container.consumes]

    # -- the seeded team --------------------------------------------------------------------
    def seed(self) -> dict:
        goals, checkins = self["goals"], self["checkins"]
        team = create_team(goals, name="Faults", lead_name="Fay")
        self.seeded_team_id = team.id
        owner_id, owner = add_member(goals, team, "Max")
        goal = goals.client.post("/v1/goals", headers=auth(owner), json={
            "title": "Survive a billion faults", "why": "resilience", "due_date": "2031-01-01",
            "metric": {"unit": "faults", "start": 0, "target": 1_000_000_000},
        })
        assert goal.status_code == 201, goal.get_json()
        channel = self["notifications"].client.post(
            f"/v1/teams/{team.id}/channels", headers=auth(team.lead),
            json={"type": "slack", "webhook_url": self.slack_url})
        assert channel.status_code == 201, channel.get_json()
        ctx = {"team_id": team.id, "token": owner, "owner_id": owner_id,
               "goal_id": goal.get_json()["id"], "partner_token": team.lead,
               "partner_id": team.lead_id}
        base = f"/v1/teams/{team.id}/partnerships"

        def invited():
            response = checkins.client.post(base, headers=auth(owner),
                                            json={"member_id": team.lead_id})
            assert response.status_code == 201, response.get_json()
            return response.get_json()["id"]

        partnership = eventually(invited, timeout=90)
        accepted = checkins.client.post(f"{base}/{partnership}/accept", headers=auth(team.lead))
        assert accepted.status_code == 200, accepted.get_json()
        eventually(lambda: self._knows_goal("checkins", ctx), timeout=90)
        eventually(lambda: self._knows_goal("notifications", ctx), timeout=90)
        eventually(lambda: self._knows_partner(ctx), timeout=90)
        return ctx

    def _knows_goal(self, service: str, ctx: dict) -> bool:
        sql = "SELECT count(*) FROM goal_views WHERE goal_id = :id"
        return bool(self._scalar(service, sql, id=ctx["goal_id"]))

    def _knows_partner(self, ctx: dict) -> bool:
        """Notifications knows the partner (check-ins name their partners, whose feed they
        reach) and the pairing itself."""
        member = "SELECT count(*) FROM member_views WHERE member_id = :id"
        paired = "SELECT count(*) FROM partnerships WHERE team_id = :team"
        return bool(self._scalar("notifications", member, id=ctx["partner_id"])
                    and self._scalar("notifications", paired, team=ctx["team_id"]))

    # -- what the services hold -------------------------------------------------------------
    def goal_current(self, ctx: dict) -> float | None:
        """The goal's metric as its owner reads it over the goals API."""
        response = self["goals"].client.get(f"/v1/goals/{ctx['goal_id']}",
                                            headers=auth(ctx["token"]))
        if response.status_code != 200:
            return None
        return response.get_json()["metric"]["current"]

    def notification_rows(self) -> list[dict]:
        sql = f"SELECT {NOTIFICATION_COLUMNS} FROM notifications"
        with self["notifications"].container.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(sql))]

    def feed(self, token: str) -> list[dict]:
        """Every item of the member's in-app feed, page by page over the public API."""
        items, cursor = [], None
        while True:
            query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            response = self["notifications"].client.get("/v1/me/feed", headers=auth(token),
                                                        query_string=query)
            assert response.status_code == 200, response.get_json()
            page = response.get_json()
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def _scalar(self, service: str, sql: str, **params):
        with self[service].container.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
