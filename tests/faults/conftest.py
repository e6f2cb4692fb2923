"""Fault-injection fixtures: a broker and a PostgreSQL server of the suite's own, to break."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from infra.kafka_broker import KafkaBroker, free_port
from infra.postgres_server import DURABLE_COMMITS, PostgresServer, ensure_postgres_installed
from tests.faults.report import RESULTS, table


@pytest.fixture(scope="module")
def fault_broker(tmp_path_factory):
    broker = KafkaBroker(tmp_path_factory.mktemp("fault-kafka"), free_port())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="module")
def fault_postgres():
    ensure_postgres_installed()
    data_dir = Path(tempfile.mkdtemp(prefix="gk-fault-pg-", dir="/tmp"))
    server = PostgresServer(data_dir, free_port(), DURABLE_COMMITS)  # it is SIGKILLed
    server.start()
    yield server
    server.stop()
    shutil.rmtree(data_dir, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    if RESULTS:
        terminalreporter.write_sep("-", "fault injection")
        for line in table().splitlines():
            terminalreporter.write_line(line)
