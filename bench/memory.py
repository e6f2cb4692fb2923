"""Memory benchmark: resident memory of each web worker and each service worker after a load.

`python -m bench.memory [--seconds 10] [--events 20000]` starts a throwaway Kafka broker and
PostgreSQL, then:
- serves each endpoint of `bench.api` (same seeded data) under the production gunicorn config,
  saturates it with wrk for `--seconds`, and reads the resident set size (VmRSS) of every
  gunicorn worker process; the table shows the largest;
- fills the goals web workers' kept reads past their bound (`shared.read_cache`): every page of
  the seeded goals in each sort order, then every goal, `PASSES` times, each request on a
  connection of its own so both workers answer; the row says how much was read, against the
  bound;
- runs each service's production worker (`python -m bench.e2e_worker <service>`: relay,
  consumer, jobs) as its own process over the backlog of `bench.workloads` (`--events` events),
  and reads its VmRSS once it has handled them all.
Memory is not timing: a busy machine changes these figures little. Target: 150 MiB each.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, select

from bench.api import prepare
from bench.common import REPO, quiet_logs, servers, write_table
from bench.events import new_prefix, settings_env, settings_for
from bench.web import children, get, gunicorn_pid, gunicorn_shape, wrk_run
from bench.workloads import WORKLOADS
from shared.messaging_tables import inbox_table
from shared.read_cache import CAPACITY_BYTES, ENTRY_OVERHEAD

TARGET_MIB = 150
MIB = 1024 * 1024
SORTS = ("due_date", "-due_date", "created_at", "-created_at")
GOALS = 10_000  # in the seeded team (bench.api.prepare)
PASSES = 2  # over every page and goal when filling the kept reads


def rss_mib(pid: int) -> float:
    """The resident set size of process `pid` in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no VmRSS for {pid}")


def verdict(mib: float) -> str:
    return f"≤ {TARGET_MIB} MiB: {'✅' if mib <= TARGET_MIB else '❌'}"


def web_workers(targets, seconds: int) -> list[list]:
    rows = []
    for t in (t for t in targets if t.kind != "floor"):  # the floor only measures a rate
        with gunicorn_pid(t.spec, t.env, t.ready) as (url, master):
            load = wrk_run(url, "request.lua", t.lua, seconds=seconds)
            sizes = [rss_mib(pid) for pid in children(master)]
        print(f"{t.name}: {load.rps:,.0f} req/s, workers {[f'{m:.0f}' for m in sizes]} MiB",
              flush=True)
        rows.append([f"web worker: {t.name}", len(sizes), f"{load.rps * seconds:,.0f} requests",
                     f"{max(sizes):.0f}", verdict(max(sizes)) if t.kind != "baseline" and
                     t.kind != "baseline-write" else ""])
    return rows


def filled_read_cache(targets) -> list:
    """The goals web workers once their kept reads are full: every page of every sort order,
    then every goal (the small entries, whose bookkeeping weighs most), PASSES times."""
    t = next(t for t in targets if t.slug == "goals-list")
    headers = {"Authorization": f"Bearer {t.lua['GK_TOKEN']}"}
    read: dict[str, int] = {}  # path -> body size, as the cache counts an entry
    requests = 0
    with gunicorn_pid(t.spec, t.env, t.ready) as (url, master):
        port = int(url.rsplit(":", 1)[1])

        def ask(path: str) -> bytes:
            nonlocal requests
            status, body = get(port, path, headers)  # a connection each: both workers answer
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body[:200]!r}")
            requests += 1
            read[path] = len(body) + ENTRY_OVERHEAD
            return body

        goal_ids: set[str] = set()
        for _ in range(PASSES):
            for sort in SORTS:
                cursor = ""
                while True:
                    page = json.loads(ask(f"/v1/goals?limit=50&sort={sort}{cursor}"))
                    goal_ids.update(g["id"] for g in page["items"])
                    if not page.get("next_cursor"):
                        break
                    cursor = f"&cursor={page['next_cursor']}"
            for goal_id in goal_ids:
                ask(f"/v1/goals/{goal_id}")
        sizes = [rss_mib(pid) for pid in children(master)]
    asked = sum(read.values()) / MIB
    print(f"kept reads filled: {requests:,} requests, {len(read):,} distinct reads of "
          f"{asked:.0f} MiB, workers {[f'{m:.0f}' for m in sizes]} MiB", flush=True)
    return [f"web worker: goals, its kept reads full ({len(read):,} distinct pages and goals "
            f"of {asked:.0f} MiB, against a bound of {CAPACITY_BYTES / MIB:.0f} MiB per "
            f"worker)", len(sizes), f"{requests:,} requests", f"{max(sizes):.0f}",
            verdict(max(sizes))]


def service_workers(s, events: int) -> list[list]:
    rows = []
    for name, workload in WORKLOADS.items():
        service = name.split("-")[0]
        container = workload(settings_for(service, s, new_prefix()), events)
        settings = container.settings
        container.engine.dispose()
        env = settings_env(service, settings.database_url, s.kafka.bootstrap,
                           settings.topic_prefix)
        # The workload's check-ins were made to wait before the worker started: its job would
        # take them as overdue (goals silent) and race the consumer for them; leave them to it.
        env["NOTIFICATIONS_PROGRESS_WAIT_SECONDS"] = "3600"
        worker = subprocess.Popen([sys.executable, "-m", "bench.e2e_worker", service], cwd=REPO,
                                  env={**os.environ, "PYTHONPATH": str(REPO), **env},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            handled = wait_for_inbox(settings.database_url, events - 3, timeout=300)
            mib = rss_mib(worker.pid)
        finally:
            worker.terminate()
            worker.wait(30)
        print(f"{name} worker: {handled:,} events handled, {mib:.0f} MiB", flush=True)
        rows.append([f"service worker: {service} ({name})", 1, f"{handled:,} events", f"{mib:.0f}",
                     verdict(mib)])
    return rows


def wait_for_inbox(url: str, at_least: int, timeout: float) -> int:
    """The inbox's row count once it reaches `at_least` (every event handled)."""


    inbox = inbox_table(MetaData())
    engine = create_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            with engine.connect() as conn:
                count = conn.execute(select(func.count()).select_from(inbox)).scalar_one()
            if count >= at_least:
                return count
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {count:,} of {at_least:,} events handled")
            time.sleep(1)
    finally:
        engine.dispose()


def main(seconds: int, events: int) -> None:
    quiet_logs()
    with servers() as s:
        targets = prepare(s, goal_count=GOALS)
        rows = web_workers(targets, seconds) + [filled_read_cache(targets)] + \
            service_workers(s, events)
    write_table("memory", "Memory: resident set size per process after its load",
                ["process", "processes", "load", "MiB (largest)", "target"], rows,
                notes=f"Web workers: {gunicorn_shape()} "
                      f"after wrk -t1 -c16 for {seconds} s on the endpoint; the largest worker's "
                      f"VmRSS. Kept reads full: every page of the {GOALS:,} goals in each of "
                      f"{len(SORTS)} sort orders, then every goal, {PASSES} times, a "
                      f"connection per request so both workers answer. Service workers: the "
                      f"production worker process (outbox relay, consumer, jobs) after "
                      f"handling its backlog of {events:,} events "
                      f"(bench.workloads); its VmRSS. `python -m bench.memory`.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    main(args.seconds, args.events)
