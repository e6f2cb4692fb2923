"""Configuration read from the environment, one `Settings` per service process.

Every setting has an environment variable; `ENV_VARS` lists them all so that docs and the
docker-compose consistency test can check names against one source of truth.

Retention of the messaging tables (a worker job purges them hourly):
- a sent outbox row is kept `GOALKEEPER_OUTBOX_RETENTION_DAYS` (default 7) for inspection;
  an unsent row is never purged, however old.
- an inbox id is kept `GOALKEEPER_INBOX_RETENTION_DAYS` (default 14). The inbox is what makes a
  redelivered event a no-op, and an event can be redelivered as long as it is on its topic, so
  this must stay LONGER than the topics' retention (Kafka's default is 7 days).

Secrets (`Settings.secrets`) fall back to development values so that `make run` and the tests
need no configuration. A public deployment refuses them: when one of `PUBLIC_URL_VARS` names a
host other than loopback, loading the settings raises for a development or short secret, so no
process (web, worker, migration) starts with one; on loopback it logs a warning.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".run"

SERVICES = ("goals", "checkins", "notifications")
DEFAULT_PORTS = {"goals": 8001, "checkins": 8002, "notifications": 8003}
WEB_APP_PORT = 8000  # the web app's port by default (WEB_PORT)
WEB_APP_URL = f"http://127.0.0.1:{WEB_APP_PORT}"  # where the services' links lead by default
# Each service's public API on this host by default (the web app's and the Slack app's calls).
DEFAULT_URLS = {service: f"http://127.0.0.1:{port}" for service, port in DEFAULT_PORTS.items()}

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
    "GOALKEEPER_SECRET_KEY": "Key that signs member tokens. Same value in every service. Every "
    "secret (this one, GOALKEEPER_ADMIN_TOKEN, SLACK_SIGNING_SECRET, WEB_SESSION_SECRET) must be "
    "set on a public deployment: when GOALKEEPER_PUBLIC_URL, NOTIFICATIONS_PUBLIC_URL or "
    "SLACK_APP_URL names a host other than loopback, a service refuses to start with a "
    "development value or a secret shorter than 16 characters.",
    "GOALKEEPER_ADMIN_TOKEN": "Token that may create teams (POST /v1/teams). Must be set on a "
    "public deployment (see GOALKEEPER_SECRET_KEY).",
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


# Development values of the secrets (the settings' defaults, for `make run` and the tests), and
# docker-compose.yml's former fallback: a public deployment refuses each of them.
DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # GOALKEEPER_SECRET_KEY, WEB_SESSION_SECRET
DEV_ADMIN_TOKEN = "dev-admin-token"
DEV_SLACK_SIGNING_SECRET = "dev-slack-signing-secret"
DEVELOPMENT_SECRETS = frozenset({
    DEV_SECRET_KEY, DEV_ADMIN_TOKEN, DEV_SLACK_SIGNING_SECRET, "change-me-in-production",
})
SECRET_MIN_LENGTH = 16
# The addresses a deployment gives out (links in mail and Slack, Slack's requests): one on a
# host other than loopback makes the deployment public.
PUBLIC_URL_VARS = ("GOALKEEPER_PUBLIC_URL", "NOTIFICATIONS_PUBLIC_URL", "SLACK_APP_URL")
RANDOM_SECRET = (
    "a long random value, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
)
# Set by the run command once it has warned of every process's weak secrets itself, so that its
# processes do not each warn again (they still refuse them on a public deployment).
WEAK_SECRETS_TOLD = "GOALKEEPER_WEAK_SECRETS_TOLD"


@dataclass(frozen=True)
class Secret:
    """A secret as in effect: the variable it is read from, its value, and what to set it to."""

    variable: str
    value: str
    set_to: str = RANDOM_SECRET

    @property
    def weakness(self) -> str | None:
        """Why the value must not guard a public deployment, or None when it may."""
        if self.value in DEVELOPMENT_SECRETS:
            return "is a development value"
        if len(self.value) < SECRET_MIN_LENGTH:
            return f"is shorter than {SECRET_MIN_LENGTH} characters"
        return None


def is_loopback(url: str) -> bool:
    """Whether `url` names localhost or a loopback address (a URL without a host is not)."""
    host = urlsplit(url).hostname
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def public_address(env: Mapping[str, str]) -> str | None:
    """The first of `PUBLIC_URL_VARS` set in `env` to a host other than loopback, as
    `NAME is url`; None when the deployment is loopback only."""
    for name in PUBLIC_URL_VARS:
        url = env.get(name, "").strip()
        if url and not is_loopback(url):
            return f"{name} is {url}"
    return None


def check_secrets(secrets: Iterable[Secret], env: Mapping[str, str]) -> None:
    """Refuse weak secrets on a public deployment (`public_address`); warn of them on loopback.

    Raises ValueError naming each weak secret's variable and what to set it to. On loopback,
    logs one warning listing them, unless `WEAK_SECRETS_TOLD` says the run command already has;
    with no weak secret, does nothing.
    """
    weak = [(secret, why) for secret in secrets if (why := secret.weakness)]
    if not weak:
        return
    address = public_address(env)
    if address is None:
        if env.get(WEAK_SECRETS_TOLD):
            return
        log.warning("Weak secrets (%s): accepted on loopback, refused once %s or %s names "
                    "another host.", ", ".join(f"{s.variable} {why}" for s, why in weak),
                    ", ".join(PUBLIC_URL_VARS[:-1]), PUBLIC_URL_VARS[-1])
        return
    lines = [f"- {s.variable} {why}: set it to {s.set_to}." for s, why in weak]
    raise ValueError("\n".join([
        f"Refusing to start: this deployment is public ({address}) and its secrets are weak:",
        *lines]))


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
    secret_key: str = DEV_SECRET_KEY
    admin_token: str = DEV_ADMIN_TOKEN
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
        settings = cls(
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
        check_secrets(settings.secrets(), env)
        return settings

    @classmethod
    def own_values(cls, env: dict[str, str]) -> dict:
        """A subclass's own fields, read from `env`; the base has none."""
        return {}

    def secrets(self) -> tuple[Secret, ...]:
        """The secrets this service runs with; a subclass adds its own."""
        return (Secret("GOALKEEPER_SECRET_KEY", self.secret_key,
                       f"{RANDOM_SECRET}, the same in every service"),
                Secret("GOALKEEPER_ADMIN_TOKEN", self.admin_token))

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    def topic(self, name: str) -> str:
        """The physical topic name for a logical one such as `goals.events`."""
        return f"{self.topic_prefix}{name}"
