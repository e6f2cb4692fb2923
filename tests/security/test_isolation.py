"""The isolation matrix: every /v1 endpoint of every service (from its OpenAPI spec) against
every kind of caller. No token, a tampered token and an expired one get 401; another team's
member or lead gets 404 on anything addressed by id; a member of the team never gets a 401
or a 5xx. The matrix is written to bench/results/isolation.md."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, find, settings
from schemathesis import GenerationMode

from shared.auth import TokenSigner
from shared.clock import ControlledClock
from tests.support.stack import ADMIN_TOKEN, SECRET, auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results" / "isolation.md"
CALLERS = ("no token", "tampered", "expired", "other member", "other lead", "member")


def team(goals, name: str) -> dict:
    created = goals.client.post(
        "/v1/teams",
        headers=auth(ADMIN_TOKEN),
        json={
            "name": name,
            "timezone": "UTC",
            "lead": {"name": f"{name} lead", "email": f"lead@{name}.example", "timezone": "UTC"},
        },
    )
    lead = created.get_json()["lead"]
    member = goals.client.post(
        f"/v1/teams/{lead['team_id']}/members",
        headers=auth(lead["token"]),
        json={"name": f"{name} member", "email": f"member@{name}.example", "timezone": "UTC"},
    ).get_json()
    return {"team_id": lead["team_id"], "lead": lead, "member": member}


def expired_token(lead: dict) -> str:
    past = ControlledClock(datetime.now(UTC) - timedelta(days=30))
    return TokenSigner(SECRET, timedelta(days=1), past).issue(lead["team_id"], lead["id"], "lead")


def tampered(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


@pytest.mark.parametrize("new_database", ["postgresql"], indirect=True)
def test_every_endpoint_isolates_teams_and_refuses_bad_tokens(make_service, slack):
    services = {name: make_service(name) for name in ("goals", "checkins", "notifications")}
    a, b = team(services["goals"], "alpha"), team(services["goals"], "beta")
    lead_a = a["lead"]["token"]
    goal = (
        services["goals"]
        .client.post(
            "/v1/goals",
            headers=auth(lead_a),
            json={
                "title": "Publish 4 case studies",
                "why": "pipeline",
                "due_date": "2031-01-01",
                "metric": {"unit": "studies", "start": 0, "target": 4},
            },
        )
        .get_json()
    )
    checkin = eventually(lambda: _checkin(services["checkins"], goal["id"], lead_a), timeout=90)
    channel = (
        services["notifications"]
        .client.post(
            f"/v1/teams/{a['team_id']}/channels",
            headers=auth(lead_a),
            json={"type": "slack", "webhook_url": slack.webhook()},
        )
        .get_json()
    )
    real = {
        "team_id": a["team_id"],
        "member_id": a["member"]["id"],
        "goal_id": goal["id"],
        "checkin_id": checkin["id"],
        "channel_id": channel["id"],
        "milestone_id": str(uuid.uuid4()),
        "pathway_id": goal["pathways"][0]["id"],
    }
    tokens = {
        "no token": None,
        "tampered": tampered(lead_a),
        "expired": expired_token(a["lead"]),
        "other member": b["member"]["token"],
        "other lead": b["lead"]["token"],
        "member": a["member"]["token"],
    }

    rows, wrong = [], []
    for name, harness in services.items():
        schema = schemathesis.openapi.from_wsgi("/openapi.json", harness.app)
        for operation in (r.ok() for r in schema.get_all_operations()):
            if not operation.path.startswith("/v1/"):
                continue
            case = _valid_case(operation, real, tokens["member"])
            cells = []
            for caller in CALLERS:
                status = _call(case, tokens[caller])
                expected = _expected(caller, operation)
                cells.append(f"{status}" + ("" if expected(status) else " ✗"))
                if not expected(status):
                    wrong.append(
                        f"{name} {operation.method.upper()} {operation.path} as {caller}: {status}"
                    )
            rows.append(
                f"| {name} | {operation.method.upper()} `{operation.path}` | "
                + " | ".join(cells)
                + " |"
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        "| service | endpoint | "
        + " | ".join(CALLERS)
        + " |\n|"
        + "---|" * (len(CALLERS) + 2)
        + "\n"
        + "\n".join(rows)
        + "\n"
    )
    assert wrong == []
    assert len(rows) > 40


def _checkin(checkins, goal_id: str, token: str) -> dict:
    response = checkins.client.post(
        f"/v1/goals/{goal_id}/checkins", headers=auth(token), json={"value": 1, "note": "first"}
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _valid_case(operation, real: dict, member: str):
    """A request the endpoint finds well-formed (not 422 for a member of the team), so the
    other columns test authorisation, not validation."""
    names = {p.name for p in operation.path_parameters}
    fixed = {n: real.get(n, str(uuid.uuid4())) for n in names if n != "action"}
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=fixed)
    found = []

    def accepted(case) -> bool:
        found.append(case)
        return operation.method.upper() in ("GET", "DELETE") or _call(case, member) != 422

    config = settings(database=None, max_examples=8, suppress_health_check=list(HealthCheck))
    try:
        return find(strategy, accepted, settings=config)
    except Exception:  # no accepted body in 8 tries: test with the last one generated
        return found[-1]


def _call(case, token: str | None) -> int:
    headers = {"If-Match": "*"}
    if token:
        headers.update(auth(token))
    return case.call(headers=headers).status_code


def _expected(caller: str, operation):
    addressed = bool(operation.path_parameters)
    if caller in ("no token", "tampered", "expired"):
        return lambda status: status == 401
    if caller in ("other member", "other lead"):
        if addressed:
            return lambda status: status == 404
        return lambda status: status < 500 and status != 401
    return lambda status: status < 500 and status != 401
