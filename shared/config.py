"""Configuration read from the environment, one `Settings` per service process.

Every setting has an environment variable; `ENV_VARS` lists them all so that docs and the
docker-compose consistency test can check names against one source of truth.

Retention of the messaging tables (a worker job purges them hourly):
- a sent outbox row is kept `GOALKEEPER_OUTBOX_RETENTION_DAYS` (default 7) for inspection;
  an unsent row is never purged, however old.
- an inbox id is kept `GOALKEEPER_INBOX_RETENTION_DAYS` (default 14). The inbox is what makes a
  redelivered event a no-op, and an event can be redelivered as long as it is on its topic, so
  this must stay LONGER than the topics' retention (Kafka's default is 7 days).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".run"

SERVICES = ("goals", "checkins", "notifications")
DEFAULT_PORTS = {"goals": 8001, "checkins": 8002, "notifications": 8003}

# gunicorn's shape for every web process (infra/gunicorn.conf.py): WEB_CONCURRENCY worker
# processes (default below), each serving this many requests at once on threads.
WEB_WORKERS_DEFAULT = 2
WEB_THREADS = 4

# Variables shared by every service, then the per-service ones (prefixed by the service name).
GLOBAL_ENV_VARS = {
    "KAFKA_BOOTSTRAP_SERVERS": "Kafka bootstrap servers, comma-separated.",
    "KAFKA_TOPIC_PREFIX": "Prefix for every topic name (isolates test runs and environments).",
    "KAFKA_PARTITIONS": "Partitions for topics the workers create: the most worker replicas "
    "that can share a topic (12 covers 100k teams; bench/results/capacity.md).",
    "KAFKA_REPLICATION_FACTOR": "Replicas of each topic the workers create (3 on `make cluster`).",
    "KAFKA_MIN_INSYNC_REPLICAS": "Replicas that must have a write before acks=all succeeds "
    "(2 on `make cluster`).",
    "GOALKEEPER_SECRET_KEY": "Key that signs member tokens. Same value in every service.",
    "GOALKEEPER_ADMIN_TOKEN": "Token that may create teams (POST /v1/teams).",
    "GOALKEEPER_TOKEN_TTL_DAYS": "Lifetime of member tokens in days.",
    "GOALKEEPER_WEBHOOK_ALLOWLIST": "Extra webhook hosts allowed besides hooks.slack.com.",
    "GOALKEEPER_LOG_LEVEL": "Log level (DEBUG, INFO, WARNING).",
    "GOALKEEPER_RUN_DIR": "Where local SQLite files and wake-up sockets live.",
    "WEB_CONCURRENCY": "gunicorn worker processes per web service.",
    "GOALKEEPER_WORKER_METRICS_HOST": "Address the workers' metrics port binds (0.0.0.0 in "
    "containers).",
    "GOALKEEPER_OUTBOX_RETENTION_DAYS": "Days a published outbox row is kept (unsent ones stay).",
    "GOALKEEPER_INBOX_RETENTION_DAYS": (
        "Days a consumed event id is kept for deduplication; keep it above the topics' retention."
    ),
}
PER_SERVICE_ENV_VARS = {
    "DATABASE_URL": "SQLAlchemy URL of the service's own database.",
    "PORT": "HTTP port of the service's web process.",
    "WORKER_METRICS_PORT": "HTTP port of the worker's /metrics and /status (consumer lag, "
    "outbox backlog); 0 (default) turns it off.",
}
# Variables only one service reads are declared beside its settings, in
# `services/<name>/config.py` as `ENV_VARS`.


def read_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def web_workers(env: dict[str, str] = os.environ) -> int:
    """gunicorn worker processes per web service: WEB_CONCURRENCY, else the default."""
    return read_int(env, "WEB_CONCURRENCY", WEB_WORKERS_DEFAULT)


def read_float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number, got {raw!r}") from exc


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    port: int
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    kafka_partitions: int = 12
    kafka_replication_factor: int = 1
    kafka_min_insync_replicas: int = 1
    secret_key: str = "dev-insecure-secret-change-me"
    admin_token: str = "dev-admin-token"
    token_ttl_days: int = 90
    webhook_allowlist: tuple[str, ...] = ()
    log_level: str = "INFO"
    run_dir: Path = RUN_DIR
    outbox_retention_days: float = 7.0
    inbox_retention_days: float = 14.0
    worker_metrics_port: int = 0
    worker_metrics_host: str = "127.0.0.1"
    testing: bool = False

    @classmethod
    def from_env(cls, service: str, env: dict[str, str] | None = None) -> Settings:
        """The settings of `service` from `env` (default: the process environment).

        A service's subclass adds its own fields and reads them in `own_values`.
        """
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
        env = dict(os.environ if env is None else env)
        prefix = service.upper()
        run_dir = Path(env.get("GOALKEEPER_RUN_DIR") or RUN_DIR)
        default_db = f"sqlite:///{run_dir / (service + '.db')}"
        return cls(
            service=service,
            database_url=env.get(f"{prefix}_DATABASE_URL") or default_db,
            port=read_int(env, f"{prefix}_PORT", DEFAULT_PORTS[service]),
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or "127.0.0.1:9092",
            topic_prefix=env.get("KAFKA_TOPIC_PREFIX", ""),
            kafka_partitions=read_int(env, "KAFKA_PARTITIONS", cls.kafka_partitions),
            kafka_replication_factor=read_int(env, "KAFKA_REPLICATION_FACTOR", 1),
            kafka_min_insync_replicas=read_int(env, "KAFKA_MIN_INSYNC_REPLICAS", 1),
            secret_key=env.get("GOALKEEPER_SECRET_KEY") or cls.secret_key,
            admin_token=env.get("GOALKEEPER_ADMIN_TOKEN") or cls.admin_token,
            token_ttl_days=read_int(env, "GOALKEEPER_TOKEN_TTL_DAYS", 90),
            webhook_allowlist=_csv(env.get("GOALKEEPER_WEBHOOK_ALLOWLIST", "")),
            log_level=(env.get("GOALKEEPER_LOG_LEVEL") or "INFO").upper(),
            run_dir=run_dir,
            outbox_retention_days=read_float(
                env, "GOALKEEPER_OUTBOX_RETENTION_DAYS", cls.outbox_retention_days
            ),
            inbox_retention_days=read_float(
                env, "GOALKEEPER_INBOX_RETENTION_DAYS", cls.inbox_retention_days
            ),
            worker_metrics_port=read_int(env, f"{prefix}_WORKER_METRICS_PORT", 0),
            worker_metrics_host=env.get("GOALKEEPER_WORKER_METRICS_HOST") or "127.0.0.1",
            **cls.own_values(env),
        )

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        """A subclass's own fields, read from `env`; the base has none."""
        return {}

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    def topic(self, name: str) -> str:
        """The physical topic name for a logical one such as `goals.events`."""
        return f"{self.topic_prefix}{name}"
