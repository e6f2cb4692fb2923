"""Generated README sections: `python -m infra.docs` rewrites them in place, `--check` verifies.

The README keeps hand-written prose; the tables that must match the code (configuration,
HTTP endpoints, event catalogue) sit between `<!-- generated:NAME -->` markers.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys

from shared.config import (
    GLOBAL_ENV_VARS,
    PER_SERVICE_ENV_VARS,
    REPO_ROOT,
    SERVICES,
    WEB_WORKERS_DEFAULT,
    Settings,
)
from shared.events.registry import all_types

README = REPO_ROOT / "README.md"


def service_env_vars(service: str) -> dict[str, str]:
    """The variables only `service` reads, as its `config.py` declares them."""
    return dict(getattr(importlib.import_module(f"services.{service}.config"), "ENV_VARS", {}))


def env_var_names() -> set[str]:
    """Every environment variable a Goalkeeper process reads."""
    names = set(GLOBAL_ENV_VARS)
    for service in SERVICES:
        names.update(service_env_vars(service))
        names.update(f"{service.upper()}_{suffix}" for suffix in PER_SERVICE_ENV_VARS)
    names.update(service_env_vars("web"))  # the web app: no database, no Kafka
    return names


def configuration() -> str:
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    defaults = Settings.from_env("goals", {})
    known = {
        "KAFKA_BOOTSTRAP_SERVERS": defaults.kafka_bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": "(empty)",
        "KAFKA_PARTITIONS": str(defaults.kafka_partitions),
        "GOALKEEPER_SECRET_KEY": "a development key, refused when public",
        "GOALKEEPER_ADMIN_TOKEN": defaults.admin_token,
        "GOALKEEPER_TOKEN_TTL_DAYS": str(defaults.token_ttl_days),
        "KAFKA_REPLICATION_FACTOR": str(defaults.kafka_replication_factor),
        "KAFKA_MIN_INSYNC_REPLICAS": str(defaults.kafka_min_insync_replicas),
        "GOALKEEPER_WEBHOOK_ALLOWLIST": "(empty: only hooks.slack.com)",
        "GOALKEEPER_LOG_LEVEL": defaults.log_level,
        "GOALKEEPER_RUN_DIR": ".run/",
        "WEB_CONCURRENCY": str(WEB_WORKERS_DEFAULT),
        "GOALKEEPER_WORKER_METRICS_HOST": defaults.worker_metrics_host,
        "GOALKEEPER_OUTBOX_RETENTION_DAYS": f"{defaults.outbox_retention_days:g}",
        "GOALKEEPER_INBOX_RETENTION_DAYS": f"{defaults.inbox_retention_days:g}",
    }
    for name, meaning in GLOBAL_ENV_VARS.items():
        rows.append(f"| `{name}` | {known.get(name, '')} | {meaning} |")
    for service in SERVICES:
        settings = Settings.from_env(service, {})
        rows.append(
            f"| `{service.upper()}_DATABASE_URL` | `sqlite:///.run/{service}.db` | "
            f"{PER_SERVICE_ENV_VARS['DATABASE_URL']} |"
        )
        port_meaning = PER_SERVICE_ENV_VARS["PORT"]
        rows.append(f"| `{service.upper()}_PORT` | {settings.port} | {port_meaning} |")
        rows.append(f"| `{service.upper()}_WORKER_METRICS_PORT` | 0 | "
                    f"{PER_SERVICE_ENV_VARS['WORKER_METRICS_PORT']} |")
        for name, meaning in service_env_vars(service).items():
            rows.append(f"| `{name}` | see `services/{service}/config.py` | {meaning} |")
    for name, meaning in service_env_vars("web").items():
        rows.append(f"| `{name}` | see `services/web/config.py` | {meaning} |")
    return "\n".join(rows)


def endpoints() -> str:
    rows = ["| service | method | path | what it does |", "|---|---|---|---|"]
    for service in SERVICES:
        app_module = importlib.import_module(f"services.{service}.entrypoints.app")
        settings = importlib.import_module(f"services.{service}.config").load(
            {f"{service.upper()}_DATABASE_URL": "sqlite://"}
        )
        container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
        spec = app_module.create_app(container).test_client().get("/openapi.json").get_json()
        for path, operations in sorted(spec["paths"].items()):
            for method, operation in operations.items():
                if method == "parameters":
                    continue
                summary = " ".join(operation.get("summary", "").split()).rstrip(".")
                rows.append(f"| {service} | {method.upper()} | `{path}` | {summary} |")
    return "\n".join(rows)


def events() -> str:
    rows = ["| type | topic | published by | data (required in bold) |", "|---|---|---|---|"]
    for name, event_type in sorted(all_types().items(), key=lambda kv: (kv[1].topic, kv[0])):
        sent = event_type.schema().dump_fields.items()
        fields = [f"**{n}**" if f.required else n for n, f in sent]
        publisher = event_type.publisher.split(".")[0]
        rows.append(f"| `{name}` | `{event_type.topic}` | {publisher} | {', '.join(fields)} |")
    return "\n".join(rows)


BENCH_RESULTS = REPO_ROOT / "bench" / "results"


def result_file(name: str):
    """A section copied verbatim from a result file that a benchmark or `make faults` wrote."""

    def build() -> str:
        path = BENCH_RESULTS / name
        if not path.exists():
            return f"_No result yet: `{name}` is written by the command named above._"
        return path.read_text().strip()

    return build


SECTIONS = {
    "configuration": configuration,
    "endpoints": endpoints,
    "events": events,
    "benchmarks": result_file("README-tables.md"),
    "faults": result_file("faults.md"),
    "failover": result_file("failover.md"),
    "cluster-week": result_file("cluster_week.md"),
    "capacity": result_file("capacity.md"),
}


INCLUDE = re.compile(r"<!-- include:(?P<path>[\w./-]+) -->.*?<!-- /include:(?P=path) -->", re.S)


def include(match: re.Match) -> str:
    """A page of docs/ copied into the README, so each setup guide has one source."""
    path = match["path"]
    body = (REPO_ROOT / path).read_text().strip()
    return f"<!-- include:{path} -->\n{body}\n<!-- /include:{path} -->"


def render(text: str) -> str:
    for name, build in SECTIONS.items():
        start, end = f"<!-- generated:{name} -->", f"<!-- /generated:{name} -->"
        pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
        text = pattern.sub(lambda _m, b=build, s=start, e=end: f"{s}\n{b()}\n{e}", text)
    return INCLUDE.sub(include, text)


def main(argv: list[str]) -> int:
    # The settings loaded here document defaults; no deployment runs on them: no secrets warning.
    logging.getLogger("shared.config").setLevel(logging.ERROR)
    current = README.read_text()
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print("README.md is stale: run `python -m infra.docs`", file=sys.stderr)
            return 1
        return 0
    README.write_text(fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
