"""`make demo`: seed a sample team through the public APIs of a running Goalkeeper.

Members, a partnership, goals in every health state and a run of check-ins, so the board and
the charts have something to show. Run it after `make run`; it prints each member's token for
signing in to the web app. (Check-ins are stamped by the server, so they all carry today's
date; the goals' start dates lie weeks back, which is what places them on the pace road.)
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from datetime import date, timedelta

import requests

from shared.config import DEFAULT_URLS, DEV_ADMIN_TOKEN, WEB_APP_PORT

ADMIN = os.environ.get("GOALKEEPER_ADMIN_TOKEN", DEV_ADMIN_TOKEN)
URLS = {name: os.environ.get(f"WEB_{name.upper()}_URL") or DEFAULT_URLS[name]
        for name in ("goals", "checkins")}
WEB = f"http://127.0.0.1:{os.environ.get('WEB_PORT', WEB_APP_PORT)}"
MEMBERS = (("Ana", "lead"), ("Ben", "member"), ("Chen", "member"), ("Dara", "member"))


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


# (owner, title, start offset, due offset, unit, target, check-in values): on track, at risk,
# off track, overdue, achieved, and one ahead of pace.
GOALS = (
    ("Ana", "Ship the billing export to 12 customers", -42, 42, "customers", 12, (2, 4, 6)),
    ("Ben", "Close 120 support tickets this quarter", -60, 30, "tickets", 120, (20, 35, 62)),
    ("Chen", "Publish 8 runbooks for on-call", -35, 20, "runbooks", 8, (1, 2)),
    ("Dara", "Run 10 customer interviews", -50, -2, "interviews", 10, (3, 5)),
    ("Chen", "Finish the 10 modules of the Kubernetes course", -80, 5, "modules", 10,
     (4, 7, 10)),
    ("Ben", "Cut p95 checkout latency by 100 ms", -30, 60, "ms", 100, (20, 40, 55)),
)


class Api:
    def __init__(self, urls: dict[str, str] | None = None, admin_token: str = ADMIN) -> None:
        self.urls = urls or URLS
        self.admin_token = admin_token
        self.http = requests.Session()

    def call(self, service: str, method: str, path: str, token: str, **kwargs) -> dict:
        headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        response = self.http.request(method, self.urls[service] + path, headers=headers, timeout=10,
                                     **kwargs)
        if response.status_code >= 300:
            raise SystemExit(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json() if response.content else {}

    def wait_for_checkins_to_know(self, goal_id: str, token: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.http.get(f"{self.urls['checkins']}/v1/goals/{goal_id}/streak",
                                     headers={"Authorization": f"Bearer {token}"}, timeout=10)
            if response.status_code == 200:
                return
            time.sleep(0.5)
        raise SystemExit("the checkins service never heard of the demo goals: is its worker up?")


def seed(api: Api) -> dict[str, str]:
    suffix = uuid.uuid4().hex[:4]
    lead_name = MEMBERS[0][0]
    created = api.call("goals", "POST", "/v1/teams", api.admin_token, json={
        "name": f"Demo team {suffix}", "timezone": "Europe/Berlin",
        "lead": {"name": lead_name, "email": f"ana+{suffix}@demo.example",
                 "timezone": "Europe/Berlin"}})
    team_id = created["team"]["id"]
    tokens = {lead_name: created["lead"]["token"]}
    ids = {lead_name: created["lead"]["id"]}
    for name, role in MEMBERS[1:]:
        member = api.call("goals", "POST", f"/v1/teams/{team_id}/members", tokens[lead_name],
                          json={"name": name, "email": f"{name.lower()}+{suffix}@demo.example",
                                "timezone": "Europe/Berlin", "role": role})
        tokens[name], ids[name] = member["token"], member["id"]
    goals = []
    for owner, title, start, due, unit, target, values in GOALS:
        goal = api.call("goals", "POST", "/v1/goals", tokens[owner], json={
            "title": title, "start_date": day(start), "due_date": day(due),
            "why": "It is what our customers asked for this quarter.",
            "metric": {"unit": unit, "start": 0, "target": target, "current": 0}})
        goals.append((owner, goal["id"], values))
    for owner, goal_id, _ in goals:  # members travel before goals on the team's partition
        api.wait_for_checkins_to_know(goal_id, tokens[owner])
    invite = api.call("checkins", "POST", f"/v1/teams/{team_id}/partnerships", tokens["Ben"],
                      json={"member_id": ids["Chen"]})
    api.call("checkins", "POST", f"/v1/teams/{team_id}/partnerships/{invite['id']}/accept",
             tokens["Chen"])
    for owner, goal_id, values in goals:
        for value in values:
            api.call("checkins", "POST", f"/v1/goals/{goal_id}/checkins", tokens[owner],
                     json={"value": value, "note": f"Now at {value}.", "confidence": 4},
                     headers={"Idempotency-Key": str(uuid.uuid4())})
    return tokens


def main() -> int:
    tokens = seed(Api())
    print(f"\nDemo team seeded. Open {WEB}/signin and paste a token:")
    for name, token in tokens.items():
        print(f"  {name:<6} {token}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
