"""Session fixtures for the real servers the tests run against: Kafka and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from infra.kafka_broker import (
    LIBS_DIR,
    ExternalKafka,
    KafkaBroker,
    free_port,
    kafka_version,
    wait_for_kafka,
)
from infra.postgres_server import (
    PostgresEndpoint,
    PostgresServer,
    ensure_postgres_installed,
    find_postgres_bindir,
)

pytest_plugins = ["tests.support.fixtures"]

KAFKA_ENV = "GOALKEEPER_TEST_KAFKA_BOOTSTRAP"
PG_ENV = "GOALKEEPER_TEST_PG_PORT"

_servers_used: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    for message in ("read_text is deprecated", "open_text is deprecated"):
        config.addinivalue_line("filterwarnings", f"ignore:{message}:DeprecationWarning")


def pytest_report_header(config: pytest.Config) -> list[str]:
    if os.environ.get(KAFKA_ENV):
        kafka = f"external broker at {os.environ[KAFKA_ENV]} (${KAFKA_ENV})"
    else:
        try:
            kafka = f"throwaway Kafka {kafka_version()} broker (KRaft) from {LIBS_DIR}"
        except FileNotFoundError:
            kafka = "throwaway broker, jars not fetched yet (make kafka-jars)"
    if os.environ.get(PG_ENV):
        postgres = f"external server on 127.0.0.1:{os.environ[PG_ENV]} (${PG_ENV})"
    else:
        bindir = find_postgres_bindir()
        postgres = f"throwaway server from {bindir}" if bindir else "throwaway, not installed yet"
    return [f"kafka: {kafka}", f"postgresql: {postgres}"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _servers_used:
        return
    terminalreporter.write_sep("-", "real servers used")
    for name, description in _servers_used.items():
        terminalreporter.write_line(f"{name}: {description}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A pytest-xdist worker hands the servers it used to the run that started it."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["servers_used"] = dict(_servers_used)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist's run: each worker's servers, named by worker (`kafka (gw0)`)."""
    for name, description in getattr(node, "workeroutput", {}).get("servers_used", {}).items():
        _servers_used[f"{name} ({node.gateway.id})"] = description


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "kafka_broker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.kafka)


def _probe_kafka_version(bootstrap: str) -> str:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="goalkeeper-tests")
    try:
        major, minor = admin._manager.broker_version[:2]
        return f"Kafka {major}.{minor} (API probe)"
    finally:
        admin.close()


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaBroker | ExternalKafka]:
    external = os.environ.get(KAFKA_ENV)
    if external:
        wait_for_kafka(external, timeout=60)
        version = _probe_kafka_version(external)
        _servers_used["kafka"] = f"{version} at {external} (external)"
        yield ExternalKafka(bootstrap=external, version=version)
        return
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"), free_port())
    broker.start()
    _servers_used["kafka"] = (
        f"Kafka {broker.version} at {broker.bootstrap} "
        f"(throwaway KRaft broker, ready in {broker.startup_seconds:.1f}s)"
    )
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer | PostgresEndpoint]:
    external = os.environ.get(PG_ENV)
    if external:
        endpoint = PostgresEndpoint(int(external))
        _servers_used["postgresql"] = f"{endpoint.version} on 127.0.0.1:{external} (external)"
        yield endpoint
        return
    try:
        ensure_postgres_installed()
    except SystemExit as exc:
        pytest.fail(str(exc), pytrace=False)
    data_dir = Path(tempfile.mkdtemp(prefix="goalkeeper-pg-"))
    server = PostgresServer(data_dir, free_port())
    try:
        server.start()
        _servers_used["postgresql"] = f"{server.version} on 127.0.0.1:{server.port} (throwaway)"
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    yield request.getfixturevalue("pg_url")


@pytest.fixture
def pg_url(postgres_server: PostgresEndpoint) -> Iterator[str]:
    """A fresh, empty PostgreSQL database per test."""
    name = f"t_{uuid.uuid4().hex}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


@pytest.fixture
def topic_prefix() -> str:
    """A unique topic-name prefix per test, e.g. `t1a2b3c4d.`."""
    return f"t{uuid.uuid4().hex[:8]}."
