"""Web app page renders: server time of the board with 50 goals and of a goal page with 200
check-ins, and how many API calls each render makes per service.

The three services run in this process with their workers (on PostgreSQL and Kafka), each
behind a real HTTP server, as in tests/web; the web app renders through its own API client over
those HTTP connections. Server time is measured around the web app's WSGI call (its Flask
test client: no browser, no socket to the web app itself), p50/p95/max over `--renders` renders
after a warm-up. The broker and PostgreSQL are throwaway ones (`bench.common.servers`) unless
GOALKEEPER_TEST_KAFKA_BOOTSTRAP and GOALKEEPER_TEST_PG_PORT name running ones.

`python -m bench.web_pages [--renders 100]` writes bench/results/web_pages.md (the name
`bench.run_all` collects).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace

from bench.common import percentile, quiet_logs, servers, write_table
from infra.postgres_server import PostgresEndpoint
from services.web.bootstrap import bootstrap
from services.web.config import WebSettings
from services.web.entrypoints.app import create_app
from tests.support.fixtures import delete_topics
from tests.support.seed import create_team
from tests.support.stack import ServiceHarness, service_env
from tests.web.browser import HttpServer

SERVICES = ("goals", "checkins", "notifications")
BOARD_GOALS = 50
CHECKINS = 200
TARGET_P95_MS = 150


@dataclass
class Render:
    page: str
    path: str
    shown: str  # the path as the table prints it
    times_ms: list[float]
    calls: Counter
    api_ms: list[float]  # time spent waiting for the APIs, per render


@contextlib.contextmanager
def backing_servers() -> Iterator[SimpleNamespace]:
    kafka, pg_port = os.environ.get("GOALKEEPER_TEST_KAFKA_BOOTSTRAP"), os.environ.get(
        "GOALKEEPER_TEST_PG_PORT")
    if kafka and pg_port:
        yield SimpleNamespace(bootstrap=kafka, postgres=PostgresEndpoint(int(pg_port)))
        return
    with servers() as s:
        yield SimpleNamespace(bootstrap=s.kafka.bootstrap, postgres=s.postgres)


@contextlib.contextmanager
def stack(tmp: str) -> Iterator[tuple[dict[str, ServiceHarness], object]]:
    """The three services with workers behind HTTP servers, and the web app (in process)."""
    prefix = f"bweb{uuid.uuid4().hex[:8]}."
    with backing_servers() as backing:
        databases = {s: f"bench_web_{s}_{uuid.uuid4().hex[:8]}" for s in SERVICES}
        harnesses: dict[str, ServiceHarness] = {}
        http: list[HttpServer] = []
        try:
            for service in SERVICES:
                url = backing.postgres.create_database(databases[service])
                harnesses[service] = ServiceHarness(service, service_env(
                    service, url, backing.bootstrap, prefix))
                harnesses[service].start_worker()
                http.append(HttpServer(harnesses[service].app))
            urls = {s: server.url for s, server in zip(SERVICES, http, strict=True)}
            web = create_app(bootstrap(WebSettings(
                goals_url=urls["goals"], checkins_url=urls["checkins"],
                notifications_url=urls["notifications"], session_secret="bench-web",
                database_url=f"sqlite:///{tmp}/web.db")))
            yield harnesses, web
        finally:
            for server in http:
                server.stop()
            for harness in reversed(list(harnesses.values())):
                harness.close()
            for name in databases.values():
                backing.postgres.drop_database(name)
            delete_topics(backing.bootstrap, prefix)


def seed(goals: ServiceHarness, checkins: ServiceHarness) -> tuple[str, str]:
    """A team with 50 goals across five owners, one of them with 200 check-ins."""
    team = create_team(goals, name=f"Bench{uuid.uuid4().hex[:6]}")
    owners = [team.lead]
    for i in range(4):
        made = goals.call("POST", f"/v1/teams/{team.id}/members", team.lead, json={
            "name": f"Member {i}", "email": f"m{i}@{team.id[:8]}.example", "timezone": "UTC"})
        owners.append(made.get_json()["token"])
    ids = []
    for i in range(BOARD_GOALS):
        made = goals.call("POST", "/v1/goals", owners[i % len(owners)], json={
            "title": f"Close {100 + i} support tickets", "due_date": _day(60),
            "start_date": _day(-30), "why": "Customers asked.",
            "metric": {"unit": "tickets", "start": 0, "target": 100 + i, "current": 0}})
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    goal_id = ids[0]
    deadline = time.monotonic() + 120
    while checkins.call("GET", f"/v1/goals/{goal_id}/streak", team.lead).status_code != 200:
        if time.monotonic() > deadline:
            raise SystemExit("the checkins service never heard of the goal")
        time.sleep(0.2)
    for i in range(CHECKINS):
        logged = checkins.call("POST", f"/v1/goals/{goal_id}/checkins", team.lead,
                               json={"value": i * 0.5, "note": f"Check-in {i}",
                                     "confidence": 3},
                               headers={"Idempotency-Key": str(uuid.uuid4())})
        assert logged.status_code == 201, logged.get_json()
    return team.lead, goal_id


def _day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def signed_in_client(web, token: str):
    client = web.test_client()
    form = client.get("/signin").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/signin", data={"token": token, "csrf_token": csrf})
    assert answer.status_code == 302, answer.status_code
    return client


def covered(spans: list[tuple[float, float]]) -> float:
    """Seconds in which at least one of `spans` was under way."""
    total, reach = 0.0, float("-inf")
    for began, ended in sorted(spans):
        if ended > reach:
            total += ended - max(began, reach)
            reach = ended
    return total


def measure(web, client, page: str, path: str, renders: int, expect: str) -> Render:
    api = web.extensions["web"].api
    original = api.request
    calls: Counter = Counter()
    spans: list[tuple[float, float]] = []  # calls may overlap: a page makes some at once

    def counting(service, method, url, token, **kwargs):
        calls[service] += 1
        began = time.perf_counter()
        try:
            return original(service, method, url, token, **kwargs)
        finally:
            spans.append((began, time.perf_counter()))

    for _ in range(5):  # warm-up: pools, templates, the member directory
        client.get(path)
    api.request = counting
    try:
        body = client.get(path).get_data(as_text=True)
        assert expect in body, f"{page}: {expect!r} not on the page"
        per_render = Counter(calls)
        times, api_ms = [], []
        for _ in range(renders):
            spans.clear()
            began = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - began) * 1000)
            api_ms.append(covered(spans) * 1000)
            assert response.status_code == 200, response.status_code
    finally:
        api.request = original
    return Render(page, path, re.sub(r"[0-9a-f-]{36}", "<id>", path.split("?")[0]), times,
                  per_render, api_ms)


def main(renders: int) -> None:
    quiet_logs()
    with tempfile.TemporaryDirectory(prefix="gk-bench-web-") as tmp, stack(tmp) as (h, web):
        lead, goal_id = seed(h["goals"], h["checkins"])
        client = signed_in_client(web, lead)
        deadline = time.monotonic() + 120  # the goals service's progress follows the events
        while "Check-in 199" not in client.get(f"/goals/{goal_id}").get_data(as_text=True):
            if time.monotonic() > deadline:
                raise SystemExit("the goal page never showed the 200th check-in")
            time.sleep(0.5)
        results = [
            measure(web, client, f"board, {BOARD_GOALS} goals", "/board?show=team", renders,
                    "Close 149 support tickets"),
            measure(web, client, f"goal page, {CHECKINS} check-ins", f"/goals/{goal_id}",
                    renders, "Check-in 199"),
        ]
    rows = []
    for r in results:
        p95 = percentile(r.times_ms, 95)
        calls = ", ".join(f"{s} {n}" for s, n in sorted(r.calls.items()))
        rows.append([r.page, f"`{r.shown}`", f"{percentile(r.times_ms, 50):.1f}",
                     f"{p95:.1f}", f"{max(r.times_ms):.1f}",
                     f"{percentile(r.api_ms, 50):.1f}", calls,
                     f"p95 ≤ {TARGET_P95_MS} ms: {'✅' if p95 <= TARGET_P95_MS else '❌'}"])
    write_table(
        "web_pages", "Web app: server time per page render and API calls per service",
        ["page", "path", "p50 ms", "p95 ms", "max ms", "p50 ms waiting for APIs",
         "API calls per render", "target"], rows,
        notes=f"{renders} renders per page after 5 warm-ups, one after another, timed around "
              f"the web app's WSGI call (Flask test client); the three services with their "
              f"workers in the same process on PostgreSQL and Kafka, behind threaded HTTP "
              f"servers on loopback. A page calls different services at once; its wait for the "
              f"APIs is the time in which any call was under way. `python -m bench.web_pages`.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=100)
    main(parser.parse_args().renders)
