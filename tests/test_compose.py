"""docker-compose.yml stays consistent with the code: settings, ports, images, modules."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.docs import env_var_names

REPO_ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = {name: svc for name, svc in SERVICES.items() if "build" in svc}
BROKERS = ("kafka-1", "kafka-2", "kafka-3")
WORKERS = sorted(name for name in APP_SERVICES if name.endswith("-worker"))
MODULE = re.compile(r"\b((?:services|shared|infra)(?:\.\w+)+)")


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def _host_port(mapping: str | dict[str, Any]) -> str:
    if isinstance(mapping, dict):
        return f"{mapping.get('host_ip', '')}:{mapping['published']}"
    parts = str(mapping).split(":")
    return ":".join(parts[:-1]) if len(parts) > 1 else parts[0]


def test_every_goalkeeper_service_is_defined() -> None:
    services = ("goals", "checkins", "notifications")
    expected = {f"{service}-{kind}" for service in services for kind in ("web", "worker")}
    assert set(APP_SERVICES) == expected | {"web"}
    assert {*BROKERS, "postgres"} <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_app_environment_uses_known_settings(name: str) -> None:
    environment = APP_SERVICES[name].get("environment", {})
    if isinstance(environment, dict):
        keys = set(environment)
    else:
        keys = {entry.split("=")[0] for entry in environment}
    assert keys, f"{name} has no environment"
    assert keys <= env_var_names(), f"unknown settings in {name}: {keys - env_var_names()}"


def test_published_host_ports_do_not_clash() -> None:
    published = [_host_port(p) for svc in SERVICES.values() for p in svc.get("ports", [])]
    host_ports = [p.rpartition(":")[2] for p in published]
    assert len(host_ports) == len(set(host_ports)), published


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_build_context_and_dockerfile_exist(name: str) -> None:
    build = APP_SERVICES[name]["build"]
    context = REPO_ROOT / (build if isinstance(build, str) else build.get("context", "."))
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert context.is_dir()
    assert (context / dockerfile).is_file()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_images_are_pinned(name: str) -> None:
    image = SERVICES[name].get("image")
    if image is None:
        assert "build" in SERVICES[name], f"{name} has neither image nor build"
        return
    repository, _, tag = str(image).rpartition(":")
    assert repository and tag and "/" not in tag, f"{name}: image {image!r} has no tag"
    assert tag != "latest", f"{name}: image {image!r} is not pinned"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_depends_on_names_defined_services(name: str) -> None:
    depends_on = SERVICES[name].get("depends_on", [])
    assert set(depends_on) <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_commands_reference_existing_modules(name: str) -> None:
    command = _command(APP_SERVICES[name])
    kind = name.rpartition("-")[2]
    service = name.rpartition("-")[0] or name  # "web" is the web app's one process
    entrypoint = f"services.{service}.entrypoints.{'app' if kind == 'web' else 'worker'}"
    assert entrypoint in command
    for config in re.findall(r"--config\s+(\S+)", command):
        assert (REPO_ROOT / config).is_file(), f"{name}: missing gunicorn config {config}"
    for module in MODULE.findall(command):
        path = REPO_ROOT / Path(*module.split("."))
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), (
            f"{name}: command references {module}, which does not exist"
        )


def test_postgres_init_script_creates_each_database() -> None:
    script = (REPO_ROOT / "infra" / "postgres" / "init-databases.sql").read_text().lower()
    for database in ("goals", "checkins", "notifications"):
        assert f"create database {database};" in script


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, dict):
        return {key: str(value) for key, value in environment.items()}
    return dict(entry.split("=", 1) for entry in environment)


def test_three_brokers_form_one_kraft_quorum_of_three() -> None:
    envs = [_environment(SERVICES[name]) for name in BROKERS]
    voters = "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
    assert sorted(env["KAFKA_NODE_ID"] for env in envs) == ["1", "2", "3"]
    for name, env in zip(BROKERS, envs, strict=True):
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", name
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters, name
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3", name
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2", name
    assert len({env["CLUSTER_ID"] for env in envs}) == 1, "one cluster id for the three"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_services_use_every_broker_with_replicated_topics(name: str) -> None:
    env = _environment(APP_SERVICES[name])
    if name == "web":  # the web app talks to the services' APIs, never to Kafka
        assert "KAFKA_BOOTSTRAP_SERVERS" not in env
        return
    assert env["KAFKA_BOOTSTRAP_SERVERS"].split(",") == [f"{b}:9092" for b in BROKERS]
    assert (env["KAFKA_REPLICATION_FACTOR"], env["KAFKA_MIN_INSYNC_REPLICAS"]) == ("3", "2")
    assert set(BROKERS) <= set(APP_SERVICES[name]["depends_on"])


@pytest.mark.parametrize("name", WORKERS)
def test_workers_run_two_replicas_checked_on_their_metrics_port(name: str) -> None:
    worker = APP_SERVICES[name]
    service = name.removesuffix("-worker")
    port = _environment(worker)[f"{service.upper()}_WORKER_METRICS_PORT"]
    assert worker["deploy"]["replicas"] == 2
    assert not worker.get("ports"), "replicas cannot share a published host port"
    assert f"127.0.0.1:{port}/status" in " ".join(worker["healthcheck"]["test"])


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_health_check(name: str) -> None:
    check = SERVICES[name].get("healthcheck", {})
    assert check.get("test"), f"{name} has no health check"


SERVICE_SECRETS = ("GOALKEEPER_SECRET_KEY", "GOALKEEPER_ADMIN_TOKEN", "SLACK_SIGNING_SECRET")


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_secrets_have_no_default_so_compose_asks_for_them(name: str) -> None:
    env = _environment(APP_SERVICES[name])
    secrets = ("WEB_SESSION_SECRET",) if name == "web" else SERVICE_SECRETS
    for secret in secrets:
        assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", env.get(secret, "")), (
            f"{name}: {secret} must be required (${{{secret}:?...}}), got {env.get(secret)!r}")
    assert "GOALKEEPER_PUBLIC_URL" in env, f"{name} cannot tell a public deployment"
