"""The isolation matrix: one row per /v1 operation of every service's OpenAPI spec.

Each row first proves the operation works: the owning team's member (or lead) gets a 2xx with
real ids (its positive control, from `isolation_world.CONTROLS`). Then another team's member
and lead send the same request: anything addressed by one of the team's ids answers 404; an
operation addressed by nothing of the team (a list of "my" things, a create) answers the other
team with its own data, in which no id of the first team may appear. No token, a tampered
token and an expired one get 401. Every route under /v1 that Flask serves must be in a spec.

The matrix is written to `.run/results/isolation.md` (`GOALKEEPER_RESULTS_DIR` moves it, e.g.
`GOALKEEPER_RESULTS_DIR=bench/results` to regenerate the published one).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.auth import TokenSigner
from shared.clock import ControlledClock
from tests.security.isolation_world import CONTROLS, UUID, Request, TeamWorld, build_team
from tests.support.stack import SECRET

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
SERVICES = ("goals", "checkins", "notifications")
METHODS = ("get", "post", "put", "patch", "delete")
UNOWNED_PARAMETERS = {"action", "key"}  # path parameters that name no team's thing
COLUMNS = ("owner", "no token", "tampered", "expired", "other member", "other lead")


def results_dir() -> Path:
    return Path(os.environ.get("GOALKEEPER_RESULTS_DIR") or REPO / ".run" / "results")


def spec_operations(harness) -> list[tuple[str, str, list[str]]]:
    """(METHOD, path template, path parameter names) of every operation in the spec."""
    spec = harness.client.get("/openapi.json").get_json()
    return [(method.upper(), path, re.findall(r"{(\w+)}", path))
            for path, item in spec["paths"].items() for method in item if method in METHODS]


def served_routes(harness) -> set[tuple[str, str]]:
    """(METHOD, path template) of every Flask route under /v1, in OpenAPI's spelling."""
    routes = set()
    for rule in harness.app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/"):
            continue
        template = re.sub(r"<(?:[^>]*:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(m, template) for m in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def expired_token(world: TeamWorld) -> str:
    past = ControlledClock(datetime.now(UTC) - timedelta(days=30))
    signer = TokenSigner(SECRET, timedelta(days=1), past)
    return signer.issue(world.team.id, world.team.lead_id, "lead")


def tampered(token: str) -> str:
    return token[:-2] + ("AA" if not token.endswith("AA") else "BB")


SLACK_APP = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret"}


@pytest.fixture
def worlds(make_service, slack):
    """The services, the Slack app configured (the install link's control needs it)."""
    services = {name: make_service(name, **(SLACK_APP if name == "notifications" else {}))
                for name in SERVICES}
    alpha = build_team(services, "alpha", slack.webhook("alpha"))
    beta = build_team(services, "beta", slack.webhook("beta"))
    return services, alpha, beta


@pytest.mark.parametrize("new_database", ["postgresql"], indirect=True)
def test_every_route_under_v1_is_in_its_services_spec(make_service):
    unlisted = []
    for name in SERVICES:
        harness = make_service(name, start_worker=False)
        listed = {(method, path) for method, path, _ in spec_operations(harness)}
        unlisted += [f"{name} {m} {p}" for m, p in sorted(served_routes(harness) - listed)]
    assert unlisted == []


@pytest.mark.parametrize("new_database", ["postgresql"], indirect=True)
def test_every_operation_works_for_its_team_and_answers_404_to_another(worlds):
    services, alpha, beta = worlds
    rows, wrong = [], []
    for name, harness in services.items():
        for method, template, parameters in spec_operations(harness):
            if not template.startswith("/v1/"):
                continue
            build = CONTROLS.get((method, template))
            if build is None:
                wrong.append(f"{name} {method} {template}: no positive control")
                continue
            cells, problems = run_row(name, method, template, parameters, build, alpha, beta)
            wrong += [f"{name} {method} {template}: {p}" for p in problems]
            rows.append(f"| {name} | {method} `{template}` | " + " | ".join(cells) + " |")
    write_matrix(rows)
    assert wrong == []
    assert len(rows) >= 55


def run_row(service: str, method: str, template: str, parameters: list[str], build, alpha,
            beta) -> tuple[list[str], list[str]]:
    request: Request = build(alpha)
    addressed = bool(set(parameters) - UNOWNED_PARAMETERS)
    problems: list[str] = []
    cells: dict[str, str] = {}

    def call(world: TeamWorld, token: str | None):
        return world.call(service, method, request.path, token, request.body, request.query)

    def owner() -> None:
        response = call(alpha, alpha.token(request.caller))
        cells["owner"] = str(response.status_code)
        if response.status_code not in request.expect:
            problems.append(f"owner got {response.status_code}: {response.get_data()[:300]!r}")
            cells["owner"] += " ✗"
            return
        alpha.remember(response)

    sent = set(UUID.findall(f"{request.path} {request.body} {request.query}"))

    def others() -> None:
        for caller, token in (("other member", beta.member), ("other lead", beta.team.lead)):
            response = call(beta, token)
            status = response.status_code
            ok = status == 404 if addressed else status < 500 and status != 401
            shown = set(UUID.findall(response.get_data(as_text=True))) - sent  # not echoes
            leaked = shown & (alpha.ids - beta.ids)
            if leaked:
                ok = False
                problems.append(f"{caller} saw ids of the other team: {sorted(leaked)[:3]}")
            if 200 <= status < 300:
                beta.remember(response)
            cells[caller] = f"{status}" + ("" if ok else " ✗")
            if not ok and not leaked:
                problems.append(f"{caller} got {status}")

    if request.destructive:
        others()
        owner()
    else:
        owner()
        others()
    for caller, token in (("no token", None), ("tampered", tampered(alpha.team.lead)),
                          ("expired", expired_token(alpha))):
        status = call(alpha, token).status_code
        cells[caller] = f"{status}" + ("" if status == 401 else " ✗")
        if status != 401:
            problems.append(f"{caller} got {status}")
    return [cells.get(c, "") for c in COLUMNS], problems


def write_matrix(rows: list[str]) -> None:
    saved = results_dir() / "isolation.md"
    saved.parent.mkdir(parents=True, exist_ok=True)
    header = "| service | endpoint | " + " | ".join(COLUMNS) + " |\n"
    saved.write_text(header + "|---" * (len(COLUMNS) + 2) + "|\n" + "\n".join(rows) + "\n")
