"""The one way tests create a team and its members: over the goals service's HTTP API."""

from __future__ import annotations

from dataclasses import dataclass

from tests.support.stack import ADMIN_TOKEN, auth


@dataclass
class Team:
    id: str
    lead: str  # the lead's bearer token
    lead_id: str


def create_team(goals, *, name: str = "Platform", timezone: str = "UTC",
                require_smart: bool = False, lead_name: str = "Lena") -> Team:
    """`goals` is the goals service's harness (or anything with a Flask test `client`)."""
    client = getattr(goals, "client", goals)
    response = client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
        "name": name, "timezone": timezone, "require_smart": require_smart,
        "lead": {"name": lead_name, "email": f"{lead_name.lower()}@{name.lower()}.example",
                 "timezone": timezone}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return Team(body["team"]["id"], body["lead"]["token"], body["lead"]["id"])


def add_member(goals, team: Team, name: str = "Max", **extra) -> tuple[str, str]:
    """Add a member as the team's lead. Returns (member id, token)."""
    client = getattr(goals, "client", goals)
    response = client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
        "name": name, "email": f"{name.lower()}@{team.id[:8]}.example", "timezone": "UTC",
        **extra})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    return body["id"], body["token"]
