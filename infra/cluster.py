"""`make cluster`: three KRaft brokers, PostgreSQL, the web app, every service's web process and
two replicas of each service's worker, on loopback.

Topics get replication factor 3 and `min.insync.replicas=2`; producers use acks=all. Topics
have `KAFKA_PARTITIONS` partitions (default 12: enough consumer replicas for 100k teams, see
bench/results/capacity.md). The two replicas of a worker share their topics' partitions
through the consumer group, one of them relays the outbox at a time (PostgreSQL advisory lock)
and each scheduled job runs once per tick across them (`shared.worker.JobLeases`). Each
replica serves `/metrics` and `/status` (consumer lag, outbox backlog) on its own port,
printed in the banner. `make run` stays single-broker on SQLite.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
from pathlib import Path

from honcho.manager import Manager
from honcho.printer import Printer

from infra.kafka_broker import REPO_ROOT, ensure_jars
from infra.kafka_cluster import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR, KafkaCluster
from infra.postgres_server import DURABLE_COMMITS, PostgresServer, ensure_postgres_installed
from infra.run import announce_when_ready, build_env, hang_up_as_terminate, migrate, processes
from shared.config import SERVICES

BROKER_PORTS = [9092, 9094, 9096]
CONTROLLER_PORTS = [9093, 9095, 9097]
WORKER_REPLICAS = 2
METRICS_PORT_BASE = 9110  # goals 9111-9112, checkins 9121-9122, notifications 9131-9132


def metrics_port(service: str, replica: int) -> int:
    return METRICS_PORT_BASE + 10 * SERVICES.index(service) + replica


def cluster_processes(run_dir: str, replicas: int = WORKER_REPLICAS) -> dict[str, str]:
    """`make run`'s processes without its single broker, each worker `replicas` times, each
    replica with its own metrics port."""
    cluster = {}
    for name, command in processes(True, run_dir).items():
        if not name.endswith("-worker"):
            cluster[name] = command
            continue
        service = name.removesuffix("-worker")
        for replica in range(1, replicas + 1):
            port = f"{service.upper()}_WORKER_METRICS_PORT={metrics_port(service, replica)}"
            cluster[f"{name}-{replica}"] = f"export {port}; {command}"
    return cluster


def cluster_env(base: dict[str, str], kafka: KafkaCluster,
                postgres: PostgresServer) -> dict[str, str]:
    env = dict(base)
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka.bootstrap
    env["KAFKA_REPLICATION_FACTOR"] = str(REPLICATION_FACTOR)
    env["KAFKA_MIN_INSYNC_REPLICAS"] = str(MIN_INSYNC_REPLICAS)
    for service in SERVICES:
        env[f"{service.upper()}_DATABASE_URL"] = postgres.url(f"goalkeeper_{service}")
    return env


def create_databases(postgres: PostgresServer) -> None:
    with postgres.connect() as conn:
        existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
    for service in SERVICES:
        if f"goalkeeper_{service}" not in existing:
            postgres.create_database(f"goalkeeper_{service}")


def create_topics(env: dict[str, str]) -> None:
    """Every service's topics, replicated, before any worker starts."""
    for service in SERVICES:
        settings = importlib.import_module(f"services.{service}.config").load(env)
        importlib.import_module(f"services.{service}.bootstrap").bootstrap(
            settings).ensure_topics()


def banner(env: dict[str, str], kafka: KafkaCluster, postgres: PostgresServer) -> None:
    announce_when_ready(env)
    ports = ", ".join(f"{s} {metrics_port(s, 1)}-{metrics_port(s, WORKER_REPLICAS)}"
                      for s in SERVICES)
    print(f"Cluster: {len(kafka.nodes)} brokers (RF {REPLICATION_FACTOR}, min.insync "
          f"{MIN_INSYNC_REPLICAS}) ready in {kafka.startup_seconds:.0f} s, PostgreSQL on "
          f"127.0.0.1:{postgres.port}, {WORKER_REPLICAS} worker replicas per service; their "
          f"/metrics and /status on 127.0.0.1 ports {ports}.", flush=True)


def main() -> int:
    ensure_jars()
    ensure_postgres_installed()
    base = build_env()
    run_dir = Path(base["GOALKEEPER_RUN_DIR"]) / "cluster"
    kafka = KafkaCluster(run_dir / "kafka", BROKER_PORTS, CONTROLLER_PORTS)
    postgres = PostgresServer(run_dir / "postgres",
                              int(os.environ.get("GOALKEEPER_CLUSTER_PG_PORT", "55432")),
                              DURABLE_COMMITS)
    print(f"Starting three Kafka brokers (logs in {run_dir / 'kafka'}) and PostgreSQL...",
          flush=True)
    began = time.monotonic()
    kafka.start()
    try:
        postgres.start()
        try:
            create_databases(postgres)
            env = cluster_env(base, kafka, postgres)
            migrate(env)
            kafka.warm_up()
            create_topics(env)
            print(f"Brokers, topics and databases ready in {time.monotonic() - began:.0f} s; "
                  "starting the processes...", flush=True)
            hang_up_as_terminate()
            manager = Manager(Printer(sys.stdout))
            for name, command in cluster_processes(str(run_dir)).items():
                manager.add_process(name, command, env=env, cwd=str(REPO_ROOT))
            threading.Thread(target=banner, args=(env, kafka, postgres), daemon=True).start()
            manager.loop()
            return manager.returncode or 0
        finally:
            postgres.stop()
    finally:
        kafka.stop()


if __name__ == "__main__":
    sys.exit(main())
