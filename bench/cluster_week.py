"""A week of the 10k-team load, compressed in time, on a 3-node cluster with two worker
replicas per service: does the system keep up (consumer lag bounded)?

`python -m bench.capacity week [--sample 0.005] [--compression 1000] [--kafka BOOTSTRAP]`
- The week's shape: check-ins only in working hours (Monday to Friday, 9 to 17), each hour
  the same share, except Monday 9-10 (3x, the peak of the capacity model) and Friday 16-17 (2x).
- 10k teams of 10 make 100,000 check-ins a week. This 2-core machine, shared with the cluster
  and every worker, cannot replay that in minutes, so the run keeps a `sample` of the teams
  (0.5%: 50 teams, 500 check-ins) and runs `compression` times faster than real time (1000x:
  the week takes ~10 minutes, a simulated hour 3.6 s). The check-in rate is then
  sample x compression = 5x the real 10k-team rate, with the same keys spread (one per team).
- Every simulated hour it reads each service's consumer lag (committed vs end offsets, all
  partitions) and unsent outbox rows (`shared.lag.LagProbe`), and writes
  bench/results/cluster_week.md: the worst and the last figures per 6 simulated hours.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import REPO, RESULTS, machine
from infra.kafka_broker import free_port
from infra.kafka_cluster import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR, KafkaCluster
from infra.postgres_server import PostgresEndpoint, PostgresServer, ensure_postgres_installed
from shared.config import SERVICES

SECRET, ADMIN = "week-secret", "week-admin"
TEAMS, MEMBERS = 10_000, 10
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
REPLICAS = 2


def hour_weights() -> list[float]:
    """168 weights (Monday 0:00 first), summing to 1."""
    weights = [0.0] * 168
    for day in range(5):
        for hour in range(9, 17):
            weights[day * 24 + hour] = 1.0
    weights[9] = 3.0  # Monday 9-10
    weights[4 * 24 + 16] = 2.0  # Friday 16-17
    total = sum(weights)
    return [w / total for w in weights]


@dataclass
class Sample:
    hour: int
    posted: int
    lag: dict[str, int]
    backlog: dict[str, int]


@dataclass
class Week:
    samples: list[Sample] = field(default_factory=list)
    posted: int = 0
    late_s: float = 0.0  # how far the poster fell behind its schedule, at worst
    drained_s: float | None = None


class Stack:
    def __init__(self, bootstrap: str, postgres, prefix: str):
        self.containers, self.clients, self.envs, self.processes = {}, {}, {}, []
        for service in SERVICES:
            url = postgres.create_database(f"week_{service}_{uuid.uuid4().hex[:8]}")
            env = {f"{service.upper()}_DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                   "KAFKA_TOPIC_PREFIX": prefix, "KAFKA_PARTITIONS": "12",
                   "KAFKA_REPLICATION_FACTOR": str(REPLICATION_FACTOR),
                   "KAFKA_MIN_INSYNC_REPLICAS": str(MIN_INSYNC_REPLICAS),
                   "GOALKEEPER_SECRET_KEY": SECRET, "GOALKEEPER_ADMIN_TOKEN": ADMIN,
                   "GOALKEEPER_LOG_LEVEL": "ERROR"}
            settings = importlib.import_module(f"services.{service}.config").load(env)
            container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(
                settings)
            container.create_schema()
            container.ensure_topics()
            app = importlib.import_module(f"services.{service}.entrypoints.app").create_app(
                container)
            self.containers[service], self.clients[service] = container, app.test_client()
            self.envs[service] = env

    def start_workers(self) -> None:
        log = open(Path(tempfile.gettempdir()) / "gk-cluster-week-workers.log", "ab")  # noqa: SIM115
        for service in SERVICES:
            for _ in range(REPLICAS):
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", f"services.{service}.entrypoints.worker"],
                    env={**os.environ, **self.envs[service], "PYTHONPATH": str(REPO)},
                    cwd=REPO, stdout=log, stderr=subprocess.STDOUT))

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
        for container in self.containers.values():
            container.lag_probe.close()
            container.engine.dispose()

    def sample(self, hour: int, posted: int) -> Sample:
        lag, backlog = {}, {}
        for service, container in self.containers.items():
            report = container.lag_probe.report()
            lag[service] = report.consumer_lag
            backlog[service] = report.outbox_unsent or 0
        return Sample(hour, posted, lag, backlog)

    def seed(self, teams: int) -> list[tuple[str, str]]:
        """(lead token, goal id) per team, each goal known to the checkins service."""
        goals = self.clients["goals"]
        seeded = []
        for n in range(teams):
            team = goals.post("/v1/teams", headers=_auth(ADMIN), json={
                "name": f"Week {n}", "timezone": "UTC",
                "lead": {"name": f"Lead {n}", "email": f"lead{n}@week.example",
                         "timezone": "UTC"}}).get_json()
            token = team["lead"]["token"]
            goal = goals.post("/v1/goals", headers=_auth(token), json={
                "title": "Ship 100 improvements this quarter", "why": "customers",
                "due_date": "2031-01-01",
                "metric": {"unit": "improvements", "start": 0, "target": 1_000_000}}).get_json()
            seeded.append((token, goal["id"]))
        for token, goal_id in seeded:  # the first check-in waits for the read model
            self.check_in(token, goal_id, patience=300)
        return seeded

    def check_in(self, token: str, goal_id: str, patience: float = 60) -> None:
        deadline = time.monotonic() + patience
        while True:
            answer = self.clients["checkins"].post(
                f"/v1/goals/{goal_id}/checkins", json={"delta": 1, "note": "weekly"},
                headers={**_auth(token), "Idempotency-Key": str(uuid.uuid4())})
            if answer.status_code == 201 or time.monotonic() > deadline:
                return
            time.sleep(0.5)


def run_week(stack: Stack, seeded: list[tuple[str, str]], checkins: int,
             compression: float) -> Week:
    hour_s = 3600 / compression
    week = Week()
    weights = hour_weights()
    schedule = []  # (seconds from the start, team index)
    for hour, weight in enumerate(weights):
        count = round(weight * checkins)
        schedule += [(hour * hour_s + hour_s * (i + 0.5) / count, (len(schedule) + i) % len(seeded))
                     for i in range(count)]
    began = time.monotonic()
    done = threading.Event()

    def post() -> None:
        for at, team in schedule:
            delay = began + at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            week.late_s = max(week.late_s, -delay)
            stack.check_in(*seeded[team])
            week.posted += 1
        done.set()

    poster = threading.Thread(target=post, daemon=True)
    poster.start()
    for hour in range(168):
        wait = began + (hour + 1) * hour_s - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        week.samples.append(stack.sample(hour, week.posted))
    poster.join()
    ended = time.monotonic()
    while True:
        last = stack.sample(168, week.posted)
        if not any(last.lag.values()) and not any(last.backlog.values()):
            week.drained_s = time.monotonic() - ended
            break
        if time.monotonic() - ended > 600:
            break
        time.sleep(0.5)
    week.samples.append(last)
    return week


def write(week: Week, sample: float, compression: float, teams: int, checkins: int,
          startup: str) -> str:
    lines = ["### A week of the 10k-team load on the 3-node cluster, compressed", "",
             f"{teams} teams ({sample:.1%} of 10,000), {checkins:,} check-ins in the week, "
             f"replayed {compression:g}× faster than real time (a simulated hour = "
             f"{3600 / compression:.1f} s): the check-in rate is {sample * compression:g}× the "
             "real rate of 10k teams. Three brokers (RF 3, min.insync 2), 12 partitions per "
             "topic, two worker replicas per service. Consumer lag = records on the consumed "
             "topics not yet committed by the service's group (all partitions); backlog = "
             "unsent outbox rows.", "",
             "| simulated time | check-ins posted | worst lag goals / checkins / notifications "
             "| lag at the end | worst outbox backlog |", "|---|---|---|---|---|"]
    for start in range(0, 168, 6):
        block = [s for s in week.samples if start <= s.hour < start + 6]
        if not block:
            continue
        worst = {svc: max(s.lag[svc] for s in block) for svc in SERVICES}
        end = block[-1]
        backlog = max(max(s.backlog.values()) for s in block)
        posted = end.posted - (week.samples[start - 1].posted if start else 0)
        lines.append(f"| {DAYS[start // 24]} {start % 24:02d}-{start % 24 + 6:02d} h | {posted} | "
                     + " / ".join(str(worst[s]) for s in SERVICES) + " | "
                     + " / ".join(str(end.lag[s]) for s in SERVICES) + f" | {backlog} |")
    overall = max(max(s.lag.values()) for s in week.samples)
    drained = "not within 600 s" if week.drained_s is None else f"{week.drained_s:.1f} s"
    lines += ["", f"Worst consumer lag over the week: {overall} records; every lag and backlog "
              f"back to 0 {drained} after the last check-in; the poster fell behind its "
              f"schedule by at most {week.late_s:.1f} s. {startup} Measured "
              f"{time.strftime('%Y-%m-%d')} on {machine()} (shared with other work: load "
              f"average {os.getloadavg()[0]:.1f} at the end). `python -m bench.capacity week`."]
    text = "\n".join(lines) + "\n"
    (RESULTS / "cluster_week.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.capacity week")
    parser.add_argument("--sample", type=float, default=0.005)
    parser.add_argument("--compression", type=float, default=1000)
    parser.add_argument("--kafka", help="a running cluster's bootstrap (else a throwaway one)")
    parser.add_argument("--pg-port", type=int)
    args = parser.parse_args(argv)
    teams = max(1, round(TEAMS * args.sample))
    checkins = teams * MEMBERS
    scratch = Path(tempfile.mkdtemp(prefix="gk-week-"))
    cluster = None if args.kafka else KafkaCluster(scratch / "kafka")
    postgres = None
    if args.pg_port:
        pg = PostgresEndpoint(args.pg_port)
    else:
        ensure_postgres_installed()
        postgres = pg = PostgresServer(scratch / "pg", free_port())
        postgres.start()
    try:
        startup = ""
        if cluster is not None:
            cluster.start()
            warm = cluster.warm_up()
            startup = (f"The cluster answered after {cluster.startup_seconds:.0f} s, its group "
                       f"coordinator after {warm:.0f} s more.")
        stack = Stack(args.kafka or cluster.bootstrap, pg, f"wk{uuid.uuid4().hex[:6]}.")
        try:
            stack.start_workers()
            seeded = stack.seed(teams)
            week = run_week(stack, seeded, checkins, args.compression)
        finally:
            stack.stop()
        print(write(week, args.sample, args.compression, teams, checkins, startup))
    finally:
        if cluster is not None:
            cluster.stop()
        if postgres is not None:
            postgres.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
