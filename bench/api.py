"""API benchmark: four service endpoints vs a trivial Flask endpoint, same gunicorn config.

`python -m bench.api [--seconds 8] [--repeats 3] [--goals 10000]` starts a throwaway Kafka broker
and PostgreSQL, prepares one database per service, and serves each app with
`gunicorn -c infra/gunicorn.conf.py` (2 workers x 4 threads, JSON access log) on 127.0.0.1:
- trivial: bench/trivial_app.py `GET /ping` (the baseline) and `POST /echo`;
- the floor of a write: the same app's `POST /insert`, its body inserted as one row and
  committed in PostgreSQL, nothing else (no target: it shows what a write's commit alone costs);
- checkins `POST /v1/goals/{id}/checkins` on 100 goals of its read model (fed through its own
  consumer from goal events, as in production);
- goals `GET /v1/goals?limit=50` on a team holding 10k goals, and `GET /v1/goals/{id}`;
- notifications `GET /v1/me/feed?limit=50` for a member with 1,000 feed items (kudos.given events
  through its consumer).
Saturation: wrk, 1 thread, 16 connections, `--repeats` rounds that visit every endpoint in
turn. Each endpoint is measured beside its trivial twin (the POST for a write, the GET for a
read): both served at once, loaded in alternating slices (`SLICES` of `--seconds / SLICES`
each), and its ratio is its requests over its twin's in those slices. On a shared host the
machine's speed drifts within a minute: measured one after the other, a round's trivial GET ran
at 3,745 and then 1,112 req/s, so a ratio against a twin measured a minute apart said more about
the host than about the endpoint. Medians over the rounds. Beside each rate, the CPU that a
request cost the endpoint's gunicorn and PostgreSQL in those slices (from /proc): on two cores
shared by everything, a rate is bounded by what a request costs, so this says why a ratio is
what it is. Then each endpoint again at half its own saturated rate with an open-loop paced
client: p99 from the scheduled start.
"""

from __future__ import annotations

import argparse
import json
import logging
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import insert, select

from bench import trivial_app
from bench.common import analyze, cpu_seconds, median, quiet_logs, servers, write_table
from bench.events import SECRET, consumer_rate, new_prefix, settings_for
from bench.web import Load, gunicorn, gunicorn_pid, gunicorn_shape, paced, wrk_run
from bench.workloads import _container, _event, _goal, _member, _produce
from shared.db import make_engine
from shared.events.topics import CHECKINS_EVENTS, GOALS_EVENTS

AT = "2026-11-21T10:00:00+00:00"


@dataclass
class Target:
    name: str
    kind: str  # "read" | "write" | "floor" | "baseline" | "baseline-write"
    spec: str
    env: dict
    lua: dict
    ready: str = "/healthz"
    slug: str = ""  # file-name form of the endpoint (flame graphs)
    target: float | None = None  # least rate as a share of its trivial twin's (issue targets)
    results: list[Load] = field(default_factory=list)  # saturated, one per round
    ratios: list[float] = field(default_factory=list)  # its rate over its twin's, per round
    half: list[Load] = field(default_factory=list)


def env_of(settings) -> dict[str, str]:
    service = settings.service
    return {f"{service.upper()}_DATABASE_URL": settings.database_url,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "KAFKA_TOPIC_PREFIX": settings.topic_prefix, "GOALKEEPER_SECRET_KEY": SECRET,
            "GOALKEEPER_ADMIN_TOKEN": settings.admin_token, "GOALKEEPER_LOG_LEVEL": "WARNING",
            "GOALKEEPER_WEBHOOK_ALLOWLIST": "127.0.0.1"}


# -- data -------------------------------------------------------------------------------------
def seed_goals(s, count: int) -> tuple[dict, str, list[str]]:
    """A team with `count` goals: one made through the API, the rest cloned from its row."""
    from services.goals.adapters.orm import goals as goals_table

    settings = settings_for("goals", s, new_prefix())
    container = _container("goals", settings)
    from services.goals.entrypoints.app import create_app

    client = create_app(container).test_client()
    admin = {"Authorization": f"Bearer {settings.admin_token}"}
    team = client.post("/v1/teams", headers=admin, json={
        "name": "Bench", "timezone": "UTC",
        "lead": {"name": "Bench", "email": "bench@example.com", "timezone": "UTC"}}).get_json()
    token = team["lead"]["token"]
    made = client.post("/v1/goals", headers={"Authorization": f"Bearer {token}"}, json={
        "title": "Ship 40 bench releases", "why": "benchmark", "due_date": "2030-01-01",
        "metric": {"unit": "releases", "start": 0, "target": 40}})
    assert made.status_code == 201, made.get_json()
    template_id = made.get_json()["id"]
    with container.engine.begin() as conn:
        template = dict(conn.execute(select(goals_table).where(
            goals_table.c.id == template_id)).mappings().one())
        ids = [template_id]
        base = template["created_at"]
        for start in range(1, count, 5000):
            rows = []
            for i in range(start, min(start + 5000, count)):
                gid = str(uuid.uuid4())
                ids.append(gid)
                rows.append({**template, "id": gid, "title": f"Ship {i} bench releases",
                             "created_at": base - timedelta(seconds=i),
                             "due_date": template["due_date"] + timedelta(days=i % 700)})
            conn.execute(insert(goals_table), rows)
    analyze(container.engine)
    container.engine.dispose()
    return env_of(settings), token, ids[:200]


def seed_checkins(s, goals: int = 100) -> tuple[dict, str, list[str]]:
    settings = settings_for("checkins", s, new_prefix())
    container = _container("checkins", settings)
    team_id, member_id = str(uuid.uuid4()), str(uuid.uuid4())
    goal_ids = [str(uuid.uuid4()) for _ in range(goals)]
    team = {"team_id": team_id, "name": "Bench", "timezone": "UTC"}
    _produce(settings, GOALS_EVENTS, [_event("team.created", team_id, team, "goals"),
                                      _event("member.added", team_id, _member(team_id, member_id),
                                             "goals")] +
             [_event("goal.created", team_id, _goal(team_id, member_id, g), "goals")
              for g in goal_ids])
    consumer_rate(container)
    token = container.tokens.issue(team_id, member_id, "lead")
    analyze(container.engine)
    container.engine.dispose()
    return env_of(settings), token, goal_ids


def seed_feed(s, items: int = 1000) -> tuple[dict, str]:
    settings = settings_for("notifications", s, new_prefix())
    container = _container("notifications", settings)
    team_id, owner, giver, goal_id = (str(uuid.uuid4()) for _ in range(4))
    events = [_event("member.added", team_id, _member(team_id, owner, "member"), "goals"),
              _event("member.added", team_id, _member(team_id, giver, "member"), "goals"),
              _event("goal.created", team_id, _goal(team_id, owner, goal_id), "goals")]
    _produce(settings, GOALS_EVENTS, events)
    _produce(settings, CHECKINS_EVENTS, [_event("kudos.given", team_id, {
        "checkin_id": str(uuid.uuid4()), "goal_id": goal_id, "team_id": team_id,
        "from_id": giver, "to_id": owner, "emoji": "🎉", "at": AT}, "checkins")
        for _ in range(items)])
    consumer_rate(container)
    token = container.tokens.issue(team_id, owner, "member")
    analyze(container.engine)
    container.engine.dispose()
    return env_of(settings), token


def seed_floor(s) -> dict[str, str]:
    """An empty database with the trivial app's one table, for its `POST /insert`."""
    url = s.postgres.create_database(f"bench_floor_{uuid.uuid4().hex[:8]}")
    engine = make_engine(url)
    trivial_app.metadata.create_all(engine)
    engine.dispose()
    return {"BENCH_DATABASE_URL": url}


# -- load -------------------------------------------------------------------------------------
def request_maker(lua: dict):
    ids = [i for i in lua.get("GK_IDS", "").split(",") if i]
    headers = {"Authorization": f"Bearer {lua['GK_TOKEN']}"} if lua.get("GK_TOKEN") else {}
    if lua.get("GK_NO_CACHE"):
        headers["Cache-Control"] = "no-cache"
    body = lua.get("GK_BODY") or None
    if body:
        headers["Content-Type"] = "application/json"

    def make(i: int):
        path = lua["GK_PATH"].replace("{id}", ids[i % len(ids)]) if ids else lua["GK_PATH"]
        return lua.get("GK_METHOD", "GET"), path, body, headers
    return make


# A row with this in its name is the same read sent with `Cache-Control: no-cache`: answered
# from the database, not from what the web process keeps (shared.read_cache).
FROM_DATABASE = "`Cache-Control: no-cache`"


def prepare(s, goal_count: int) -> list[Target]:
    """Seed one database per service and name every endpoint measured (trivial ones first)."""
    goals_env, goals_token, goal_ids = seed_goals(s, goal_count)
    checkins_env, checkins_token, checkin_goals = seed_checkins(s)
    feed_env, feed_token = seed_feed(s)
    floor_env = seed_floor(s)
    print("seeded", flush=True)
    trivial = [
        Target("trivial `GET /ping`", "baseline", "bench.trivial_app:create_app()", {},
               {"GK_PATH": "/ping"}, ready="/ping", slug="trivial-get"),
        Target("trivial `POST /echo`", "baseline-write", "bench.trivial_app:create_app()", {},
               {"GK_PATH": "/echo", "GK_METHOD": "POST", "GK_BODY": '{"delta": 1}'},
               ready="/ping", slug="trivial-post"),
    ]
    measured = [
        Target("checkins `POST /v1/goals/{id}/checkins`", "write",
               "services.checkins.entrypoints.app:create_app()", checkins_env,
               {"GK_PATH": "/v1/goals/{id}/checkins", "GK_METHOD": "POST",
                "GK_BODY": json.dumps({"delta": 1, "note": "bench"}),
                "GK_TOKEN": checkins_token, "GK_IDS": ",".join(checkin_goals)},
               slug="checkin-post", target=0.40),
        Target("floor of a write: one row inserted and committed `POST /insert`", "floor",
               "bench.trivial_app:create_app()", floor_env,
               {"GK_PATH": "/insert", "GK_METHOD": "POST",
                "GK_BODY": json.dumps({"delta": 1, "note": "bench"})},
               ready="/ping", slug="one-insert"),
        Target(f"goals `GET /v1/goals?limit=50` ({goal_count:,} goals in the team)", "read",
               "services.goals.entrypoints.app:create_app()", goals_env,
               {"GK_PATH": "/v1/goals?limit=50", "GK_TOKEN": goals_token}, slug="goals-list",
               target=0.25),
        Target("goals `GET /v1/goals/{id}`", "read",
               "services.goals.entrypoints.app:create_app()", goals_env,
               {"GK_PATH": "/v1/goals/{id}", "GK_TOKEN": goals_token,
                "GK_IDS": ",".join(goal_ids)}, slug="goal-get", target=0.50),
        Target("notifications `GET /v1/me/feed?limit=50` (1,000 items)", "read",
               "services.notifications.entrypoints.app:create_app()", feed_env,
               {"GK_PATH": "/v1/me/feed?limit=50", "GK_TOKEN": feed_token}, slug="feed-get",
               target=0.50),
    ]
    return trivial + [row for t in measured
                      for row in ((t, from_database(t)) if t.slug in KEPT_READS else (t,))]


KEPT_READS = ("goals-list", "goal-get")  # each also measured from the database


def from_database(t: Target) -> Target:
    """`t` sent with `Cache-Control: no-cache`: what a first read, or one after a change, costs."""
    return replace(t, name=f"{t.name}, {FROM_DATABASE}", lua={**t.lua, "GK_NO_CACHE": "1"},
                   slug=f"{t.slug}-database", target=None, results=[], ratios=[], half=[])


SLICES = 2  # alternating slices per endpoint and per twin in a round


def combined(loads: list[Load], seconds_each: int) -> Load:
    """Slices of one endpoint as one run: its requests over the slices' time, the median of
    their p50s, the worst of their p99s and the CPU of all of them."""
    requests = sum(x.requests for x in loads)
    return Load(requests / (seconds_each * len(loads)), median([x.p50_ms for x in loads]),
                max(x.p99_ms for x in loads), sum(x.errors for x in loads), requests,
                sum(x.server_cpu_s for x in loads), sum(x.database_cpu_s for x in loads))


def cpu_per_request(t: Target) -> str:
    """CPU ms per request of `t`'s gunicorn, and of PostgreSQL (none for a trivial app): the
    median over its saturated runs."""
    server = median([1000 * x.server_cpu_s / max(x.requests, 1) for x in t.results])
    if t.kind.startswith("baseline"):
        return f"{server:.2f}"
    database = median([1000 * x.database_cpu_s / max(x.requests, 1) for x in t.results])
    return f"{server:.2f} + {database:.2f}"


def saturated(url: str, server_pid: int, t: Target, seconds: int, database_pid: int) -> Load:
    """`t` saturated by wrk for `seconds`, with the CPU that its gunicorn and PostgreSQL spent
    meanwhile."""
    server, database = cpu_seconds(server_pid), cpu_seconds(database_pid)
    load = wrk_run(url, "request.lua", t.lua, seconds=seconds)
    return replace(load, server_cpu_s=cpu_seconds(server_pid) - server,
                   database_cpu_s=cpu_seconds(database_pid) - database)


def paired(t: Target, twin: Target, seconds: int, database_pid: int) -> tuple[Load, Load]:
    """Saturate `t` and its trivial twin in alternating slices, both servers up throughout:
    (`t`'s load, the twin's)."""
    each = seconds // SLICES
    with gunicorn_pid(twin.spec, twin.env, twin.ready) as (twin_url, twin_pid), \
            gunicorn_pid(t.spec, t.env, t.ready) as (url, pid):
        for u, x in ((twin_url, twin), (url, t)):
            wrk_run(u, "request.lua", x.lua, seconds=2)  # warm-up
        own, base = [], []
        for _ in range(SLICES):
            base.append(saturated(twin_url, twin_pid, twin, each, database_pid))
            own.append(saturated(url, pid, t, each, database_pid))
    own_load, twin_load = combined(own, each), combined(base, each)
    if not twin_load.requests:
        raise RuntimeError(f"{twin.name} served no request beside {t.name}")
    return own_load, twin_load


def main(seconds: int, repeats: int, goal_count: int, paced_seconds: int) -> None:
    quiet_logs()
    with servers() as s:
        targets = prepare(s, goal_count)
        # A write is compared with the trivial POST, a read with the trivial GET (the issue's
        # targets).
        twins = {"read": next(t for t in targets if t.kind == "baseline"),
                 "write": next(t for t in targets if t.kind == "baseline-write")}
        twins["floor"] = twins["write"]
        for r in range(repeats):
            for t in (t for t in targets if t.kind in twins):
                twin = twins[t.kind]
                own, base = paired(t, twin, seconds, s.postgres.postmaster_pid())
                t.results.append(own)
                t.ratios.append(own.rps / base.rps)
                twin.results.append(base)
                print(f"round {r + 1}: {t.name}: {own.rps:,.0f} req/s p50 {own.p50_ms:.1f} "
                      f"p99 {own.p99_ms:.1f} ms errors {own.errors} CPU "
                      f"{own.server_cpu_s:.1f} + {own.database_cpu_s:.1f} s; trivial twin "
                      f"{base.rps:,.0f} req/s: {t.ratios[-1]:.0%}", flush=True)
        for r in range(repeats):
            for t in targets:
                rate = median([x.rps for x in t.results]) / 2
                with gunicorn(t.spec, t.env, t.ready) as url:
                    port = int(url.rsplit(":", 1)[1])
                    paced(port, request_maker(t.lua), rate, 1)  # warm-up
                    t.half.append(paced(port, request_maker(t.lua), rate, paced_seconds))
                last = t.half[-1]
                print(f"half {r + 1}: {t.name}: {last.rps:,.0f} req/s p50 {last.p50_ms:.1f} "
                      f"p99 {last.p99_ms:.1f} ms errors {last.errors}", flush=True)
    rows = []
    for t in targets:
        ratio = median(t.ratios) if t.ratios else 1.0
        p99_half = median([x.p99_ms for x in t.half])
        verdict = ""
        if t.target is not None:
            verdict = (f"rate ≥ {t.target:.0%}: {'✅' if ratio >= t.target else '❌'}; "
                       f"p99 < 50 ms: {'✅' if p99_half < 50 else '❌'}")
        errors = sum(x.errors for x in t.results + t.half)
        rows.append([t.name, f"{median([x.rps for x in t.results]):,.0f}", f"{ratio:.0%}",
                     f"{median([x.p50_ms for x in t.results]):.1f}",
                     f"{median([x.p99_ms for x in t.results]):.1f}", cpu_per_request(t),
                     f"{median([x.rps for x in t.half]):,.0f}",
                     f"{median([x.p50_ms for x in t.half]):.1f}", f"{p99_half:.1f}",
                     errors, verdict])
    write_table(
        "api", "API: requests/s and latency vs a trivial Flask endpoint, same gunicorn config",
        ["endpoint", "req/s saturated", "vs trivial twin", "p50 ms", "p99 ms",
         "CPU ms per request: gunicorn + PostgreSQL", "req/s at half", "p50 ms at half",
         "p99 ms at half", "non-2xx", "target"], rows,
        notes=f"{gunicorn_shape()} with its access log; "
              f"saturation: wrk -t1 -c16, median of {repeats} rounds; in each round an "
              f"endpoint and its trivial twin (POST for a write, GET for a read) are served "
              f"at once and loaded in {SLICES} alternating slices of {seconds // SLICES} s "
              f"each, its ratio being its requests over the twin's (a trivial row: median "
              f"over all its pairings; p99: the worst slice's); CPU per request: the user "
              f"and system time that the endpoint's gunicorn (master and workers) and the "
              f"PostgreSQL server (all its processes) spent during its slices, over the "
              f"requests served in them (median of rounds; `/ping` and `/echo` use no database); "
              f"half: open-loop paced Python client (16 threads) at half "
              f"the endpoint's own saturated rate for {paced_seconds} s, latency from the "
              f"scheduled start; load generator on the same 2 cores. Workers (relay/consumer) "
              f"not running: check-ins accumulate in the outbox. `python -m bench.api`.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--goals", type=int, default=10_000)
    parser.add_argument("--paced-seconds", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    main(args.seconds, args.repeats, args.goals, args.paced_seconds)
