"""`make cluster`: three KRaft brokers, PostgreSQL, every web process and two replicas of each
service's worker, on loopback.

Topics get replication factor 3 and `min.insync.replicas=2`; producers already use acks=all.
The two replicas of a worker share their topics' partitions through the consumer group, one of
them relays the outbox at a time (PostgreSQL advisory lock) and each scheduled job runs once per
tick across them. `make run` stays single-broker on SQLite.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import Manager
from honcho.printer import Printer

from infra.kafka_broker import REPO_ROOT, ensure_jars
from infra.kafka_cluster import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR, KafkaCluster
from infra.postgres_server import PostgresServer, ensure_postgres_installed
from infra.run import PROCFILE, build_env, migrate
from shared.config import SERVICES

BROKER_PORTS = [9092, 9094, 9096]
CONTROLLER_PORTS = [9093, 9095, 9097]
WORKER_REPLICAS = 2


def cluster_processes(replicas: int = WORKER_REPLICAS) -> dict[str, str]:
    """The Procfile's processes without the single broker, each worker `replicas` times."""
    processes = {}
    for name, command in parse_procfile(PROCFILE.read_text()).processes.items():
        if name == "kafka":
            continue
        if name.endswith("-worker"):
            for replica in range(1, replicas + 1):
                processes[f"{name}-{replica}"] = command
        else:
            processes[name] = command
    return processes


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


def main() -> int:
    ensure_jars()
    ensure_postgres_installed()
    base = build_env()
    run_dir = Path(base["GOALKEEPER_RUN_DIR"]) / "cluster"
    kafka = KafkaCluster(run_dir / "kafka", BROKER_PORTS, CONTROLLER_PORTS)
    postgres = PostgresServer(run_dir / "postgres",
                              int(os.environ.get("GOALKEEPER_CLUSTER_PG_PORT", "55432")))
    print(f"Starting three Kafka brokers (logs in {run_dir / 'kafka'}) and PostgreSQL...",
          flush=True)
    kafka.start()
    try:
        postgres.start()
        try:
            create_databases(postgres)
            env = cluster_env(base, kafka, postgres)
            migrate(env)
            manager = Manager(Printer(sys.stdout))
            for name, command in cluster_processes().items():
                manager.add_process(name, command, env=env, cwd=str(REPO_ROOT))
            print(f"Cluster: brokers {kafka.bootstrap}, PostgreSQL on 127.0.0.1:{postgres.port}, "
                  f"{WORKER_REPLICAS} worker replicas per service. Ctrl-C stops everything.",
                  flush=True)
            manager.loop()
            return manager.returncode or 0
        finally:
            postgres.stop()
    finally:
        kafka.stop()


if __name__ == "__main__":
    sys.exit(main())
