"""Where an API request's time goes: SQL statements per request, and a flame graph per endpoint.

`python -m bench.profile --tag before|after [--seconds 20] [--calls 50] [--only goal-get,...]`
seeds the same data as `bench.api` (its own throwaway broker and PostgreSQL; `--kafka` and
`--pg-port` reuse running ones instead), then for each service endpoint of `bench.api`:
- statements: the request is made in-process (Flask test client, no HTTP) `--calls` times. A
  `before_cursor_execute`/`after_cursor_execute` listener on the service's engine counts SQL
  statements and the time inside them, and pool checkouts count transactions (each may also cost
  BEGIN and COMMIT/ROLLBACK round trips that the statement count does not show). What
  remains of the request's time is Python outside SQL. Written to
  bench/results/flames/statements-<tag>.md.
- flame graph: gunicorn (infra/gunicorn.conf.py, as in `bench.api`) is launched by
  `py-spy record --subprocesses` (so no ptrace attach is needed) while wrk saturates the
  endpoint for `--seconds`; the SVG is bench/results/flames/<endpoint>-<tag>.svg.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event

from bench.api import Target, prepare, request_maker
from bench.common import RESULTS, Servers, median, quiet_logs, servers, write_table
from bench.web import gunicorn, wrk_run
from shared.db import PING_AFTER_IDLE_S

FLAMES = RESULTS / "flames"


@dataclass
class Tally:
    statements: int = 0
    checkouts: int = 0
    sql_seconds: float = 0.0


@contextlib.contextmanager
def counting(engine) -> Iterator[Tally]:
    """Count the statements `engine` runs, the time inside them, and its pool checkouts."""
    tally = Tally()

    def before(conn, cursor, statement, parameters, context, executemany) -> None:
        tally.statements += 1
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        tally.sql_seconds += time.perf_counter() - conn.info["bench_started"].pop()

    def checkout(*_args) -> None:
        tally.checkouts += 1

    listeners = [(engine, "before_cursor_execute", before),
                 (engine, "after_cursor_execute", after), (engine.pool, "checkout", checkout)]
    for target, name, fn in listeners:
        event.listen(target, name, fn)
    try:
        yield tally
    finally:
        for target, name, fn in listeners:
            event.remove(target, name, fn)


@dataclass
class RequestCost:
    statements: float
    checkouts: float
    total_ms: float
    sql_ms: float

    @property
    def python_ms(self) -> float:
        return self.total_ms - self.sql_ms


def request_cost(target: Target, calls: int) -> RequestCost:
    """Median statements, transactions and time of one request to `target`, in-process."""
    service = target.spec.split(".")[1]
    settings = importlib.import_module(f"services.{service}.config").load(target.env)
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    app = importlib.import_module(f"services.{service}.entrypoints.app").create_app(container)
    client, make = app.test_client(), request_maker(target.lua)
    samples = []
    for i in range(calls + 5):
        method, path, body, headers = make(i)
        with counting(container.engine) as tally:
            began = time.perf_counter()
            response = client.open(path, method=method, data=body, headers=headers)
            elapsed = time.perf_counter() - began
        assert response.status_code < 300, (path, response.status_code, response.get_json())
        if i >= 5:  # the first calls warm caches and the pool
            samples.append((tally.statements, tally.checkouts, elapsed, tally.sql_seconds))
    container.engine.dispose()
    return RequestCost(median([s[0] for s in samples]), median([s[1] for s in samples]),
                       median([s[2] for s in samples]) * 1000,
                       median([s[3] for s in samples]) * 1000)


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        raise SystemExit("py-spy is needed: .venv/bin/pip install py-spy (a dev extra)")
    return found


def flame(target: Target, tag: str, seconds: int) -> Path:
    """A flame graph of gunicorn serving `target` under wrk saturation."""
    out = FLAMES / f"{target.slug}-{tag}.svg"
    launcher = [py_spy(), "record", "--subprocesses", "--rate", "200", "--format", "flamegraph",
                "--output", str(out), "--"]
    with gunicorn(target.spec, target.env, target.ready, launcher=launcher) as url:
        wrk_run(url, "request.lua", target.lua, seconds=2)  # warm-up (also sampled)
        load = wrk_run(url, "request.lua", target.lua, seconds=seconds)
    print(f"{target.slug}: {load.rps:,.0f} req/s under py-spy -> {out}", flush=True)
    return out


def main(tag: str, seconds: int, calls: int, goal_count: int, only: set[str],
         external: Servers | None, flames: bool = True) -> None:
    quiet_logs()
    FLAMES.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(external) if external else servers() as s:
        targets = [t for t in prepare(s, goal_count)
                   if t.kind in ("read", "write") and (not only or t.slug in only)]
        rows = []
        for t in targets:
            cost = request_cost(t, calls)
            rows.append([t.name, f"{cost.statements:g}", f"{cost.checkouts:g}",
                         f"{cost.total_ms:.1f}", f"{cost.sql_ms:.1f}", f"{cost.python_ms:.1f}",
                         f"[flame graph]({t.slug}-{tag}.svg)"])
            print(rows[-1], flush=True)
        for t in targets if flames else ():
            flame(t, tag, seconds)
        if external:
            drop_databases(external, targets)
    write_table(f"flames/statements-{tag}", f"Statements and time per request ({tag})",
                ["endpoint", "SQL statements", "transactions", "ms in-process",
                 "ms in SQL", "ms Python outside SQL", "profile"], rows,
                notes=f"Median of {calls} in-process requests each (Flask test client on "
                      f"PostgreSQL, no HTTP); each transaction also costs BEGIN and "
                      f"COMMIT/ROLLBACK unless autocommit (a pool pre-ping only after "
                      f"{PING_AFTER_IDLE_S:g} s idle). Flame graphs: py-spy "
                      f"record --subprocesses --rate 200 around gunicorn "
                      f"(infra/gunicorn.conf.py) saturated by wrk -t1 -c16 for {seconds} s. "
                      f"`python -m bench.profile --tag {tag}`.")


def drop_databases(s: Servers, targets: list[Target]) -> None:
    """Databases seeded on a server someone else runs are dropped afterwards."""
    urls = {url for t in targets for name, url in t.env.items() if name.endswith("DATABASE_URL")}
    for url in urls:
        s.postgres.drop_database(url.rsplit("/", 1)[1])


def external_servers(kafka: str, pg_port: int) -> Servers:
    from infra.kafka_broker import ExternalKafka
    from infra.postgres_server import PostgresEndpoint

    return Servers(ExternalKafka(bootstrap=kafka), PostgresEndpoint(pg_port))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="after", help="file-name suffix: before or after")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--goals", type=int, default=10_000)
    parser.add_argument("--only", default="", help="comma-separated endpoints, e.g. goal-get")
    parser.add_argument("--kafka", help="bootstrap of a running broker to use")
    parser.add_argument("--pg-port", type=int, help="port of a running PostgreSQL to use")
    parser.add_argument("--no-flames", action="store_true", help="statement counts only")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    shared = external_servers(args.kafka, args.pg_port) if args.kafka and args.pg_port else None
    main(args.tag, args.seconds, args.calls, args.goals, {x for x in args.only.split(",") if x},
         shared, flames=not args.no_flames)
