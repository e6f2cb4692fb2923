"""Configuration read from the environment, one `Settings` per service process.

Every setting has an environment variable; `ENV_VARS` lists them all so that docs and the
docker-compose consistency test can check names against one source of truth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_DIR = REPO_ROOT / ".run"

SERVICES = ("goals", "checkins", "notifications")
DEFAULT_PORTS = {"goals": 8001, "checkins": 8002, "notifications": 8003}

# Variables shared by every service, then the per-service ones (prefixed by the service name).
GLOBAL_ENV_VARS = {
    "KAFKA_BOOTSTRAP_SERVERS": "Kafka bootstrap servers, comma-separated.",
    "KAFKA_TOPIC_PREFIX": "Prefix for every topic name (isolates test runs and environments).",
    "KAFKA_PARTITIONS": "Partitions for topics the workers create.",
    "GOALKEEPER_SECRET_KEY": "Key that signs member tokens. Same value in every service.",
    "GOALKEEPER_ADMIN_TOKEN": "Token that may create teams (POST /v1/teams).",
    "GOALKEEPER_TOKEN_TTL_DAYS": "Lifetime of member tokens in days.",
    "GOALKEEPER_WEBHOOK_ALLOWLIST": "Extra webhook hosts allowed besides hooks.slack.com.",
    "GOALKEEPER_LOG_LEVEL": "Log level (DEBUG, INFO, WARNING).",
    "GOALKEEPER_RUN_DIR": "Where local SQLite files and wake-up sockets live.",
    "SLACK_SIGNING_SECRET": "Slack app signing secret for the /goals slash command.",
    "GOALKEEPER_PUBLIC_URL": "Base URL used in links inside Slack messages.",
    "WEB_CONCURRENCY": "gunicorn worker processes per web service.",
}
PER_SERVICE_ENV_VARS = {
    "DATABASE_URL": "SQLAlchemy URL of the service's own database.",
    "PORT": "HTTP port of the service's web process.",
}
# Variables only one service reads (its own tuning knobs).
SERVICE_ENV_VARS = {
    "checkins": {
        "CHECKINS_REMINDER_LEAD_MINUTES": "How long before a due check-in the reminder goes out.",
        "CHECKINS_GRACE_MINUTES": "How long after the due time a check-in counts as missed.",
        "CHECKINS_ESCALATION_INTERVAL_MINUTES": "Time between escalation levels of a miss.",
        "CHECKINS_EDIT_WINDOW_MINUTES": "How long the author may edit a check-in.",
        "CHECKINS_SCHEDULER_INTERVAL_SECONDS": "How often the scheduler looks for due work.",
    },
}


def env_var_names() -> set[str]:
    """Every environment variable a Goalkeeper process reads."""
    names = set(GLOBAL_ENV_VARS)
    for own in SERVICE_ENV_VARS.values():
        names.update(own)
    for service in SERVICES:
        names.update(f"{service.upper()}_{suffix}" for suffix in PER_SERVICE_ENV_VARS)
    return names


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    service: str
    database_url: str
    port: int
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_prefix: str = ""
    kafka_partitions: int = 3
    secret_key: str = "dev-insecure-secret-change-me"
    admin_token: str = "dev-admin-token"
    token_ttl_days: int = 90
    webhook_allowlist: tuple[str, ...] = ()
    log_level: str = "INFO"
    run_dir: Path = RUN_DIR
    slack_signing_secret: str = "dev-slack-signing-secret"
    public_url: str = "http://127.0.0.1:8003"
    testing: bool = False
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, service: str, env: dict[str, str] | None = None) -> Settings:
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
        env = dict(os.environ if env is None else env)
        prefix = service.upper()
        run_dir = Path(env.get("GOALKEEPER_RUN_DIR") or RUN_DIR)
        default_db = f"sqlite:///{run_dir / (service + '.db')}"
        return cls(
            service=service,
            database_url=env.get(f"{prefix}_DATABASE_URL") or default_db,
            port=_int(env, f"{prefix}_PORT", DEFAULT_PORTS[service]),
            kafka_bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS") or "127.0.0.1:9092",
            topic_prefix=env.get("KAFKA_TOPIC_PREFIX", ""),
            kafka_partitions=_int(env, "KAFKA_PARTITIONS", 3),
            secret_key=env.get("GOALKEEPER_SECRET_KEY") or cls.secret_key,
            admin_token=env.get("GOALKEEPER_ADMIN_TOKEN") or cls.admin_token,
            token_ttl_days=_int(env, "GOALKEEPER_TOKEN_TTL_DAYS", 90),
            webhook_allowlist=_csv(env.get("GOALKEEPER_WEBHOOK_ALLOWLIST", "")),
            log_level=(env.get("GOALKEEPER_LOG_LEVEL") or "INFO").upper(),
            run_dir=run_dir,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or cls.slack_signing_secret,
            public_url=env.get("GOALKEEPER_PUBLIC_URL") or cls.public_url,
        )

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    def topic(self, name: str) -> str:
        """The physical topic name for a logical one such as `goals.events`."""
        return f"{self.topic_prefix}{name}"
