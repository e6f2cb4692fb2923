"""Fixtures that assemble services on the real broker and real databases (both engines)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from tests.support.slack_server import SlackLikeServer
from tests.support.stack import ServiceHarness, close_all, service_env


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A factory of fresh, empty databases on one engine (parametrised over both)."""
    created: list[str] = []
    server = request.getfixturevalue("postgres_server") if request.param == "postgresql" else None

    def make(name: str) -> str:
        if server is None:
            return f"sqlite:///{tmp_path / (name + '.db')}"
        db_name = f"t_{name}_{uuid.uuid4().hex[:12]}"
        created.append(db_name)
        return server.create_database(db_name)

    yield make
    for db_name in created:
        server.drop_database(db_name)


@pytest.fixture
def make_service(
    new_database, kafka_broker, topic_prefix
) -> Iterator[Callable[..., ServiceHarness]]:
    """Build a service harness: own database, shared broker, this test's topic prefix."""
    harnesses: list[ServiceHarness] = []

    def make(service: str, *, clock=None, start_worker: bool = True, **env) -> ServiceHarness:
        harness = ServiceHarness(
            service,
            service_env(
                service, new_database(service), kafka_broker.bootstrap, topic_prefix, **env
            ),
            clock=clock,
        )
        harnesses.append(harness)
        if start_worker:
            harness.start_worker()
        return harness

    yield make
    close_all(list(reversed(harnesses)))
    if harnesses:
        delete_topics(kafka_broker.bootstrap, topic_prefix)


def delete_topics(bootstrap: str, prefix: str) -> None:
    """Drop a test's topics so a long run does not pile thousands of them on the broker."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="goalkeeper-tests")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
    except KafkaError:
        pass  # cleanup is best effort; a leftover topic harms nothing
    finally:
        admin.close()


@pytest.fixture
def slack() -> Iterator[SlackLikeServer]:
    server = SlackLikeServer().start()
    yield server
    server.stop()
