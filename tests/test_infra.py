"""The test infrastructure itself: real Kafka and PostgreSQL servers answer."""

from __future__ import annotations

import socket
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from infra.kafka_broker import PICKED_FROM, ExternalKafka, KafkaBroker, free_port
from infra.postgres_server import PostgresEndpoint


def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, value=value, key=b"k").get(timeout=30)
    finally:
        producer.close()


def _consume_all(bootstrap: str, topic: str, expected: int) -> list[bytes]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20_000,
    )
    values: list[bytes] = []
    try:
        for record in consumer:
            values.append(record.value)
            if len(values) >= expected:
                break
    finally:
        consumer.close()
    return values


def test_kafka_broker_answers_metadata(kafka_broker: KafkaBroker | ExternalKafka) -> None:
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        assert isinstance(admin.list_topics(), list)
    finally:
        admin.close()


def test_kafka_round_trip(kafka_broker: KafkaBroker | ExternalKafka, topic_prefix: str) -> None:
    topic = f"{topic_prefix}roundtrip"
    payload = uuid.uuid4().bytes
    _produce(kafka_broker.bootstrap, topic, payload)
    assert _consume_all(kafka_broker.bootstrap, topic, expected=1) == [payload]


@pytest.mark.slow
@pytest.mark.kafka
def test_kafka_kill_and_restart_keeps_messages(tmp_path: Path, topic_prefix: str) -> None:
    broker = KafkaBroker(tmp_path / "kafka", free_port())
    broker.start()
    try:
        topic = f"{topic_prefix}durable"
        _produce(broker.bootstrap, topic, b"before-crash")
        broker.kill()
        assert not broker.is_running()
        broker.restart()
        assert broker.is_running()
        assert _consume_all(broker.bootstrap, topic, expected=1) == [b"before-crash"]
    finally:
        broker.stop()


def test_postgres_answers_version(postgres_server: PostgresEndpoint) -> None:
    engine = sa.create_engine(postgres_server.url("postgres"))
    try:
        with engine.connect() as conn:
            version = conn.execute(sa.text("select version()")).scalar_one()
    finally:
        engine.dispose()
    assert version.startswith("PostgreSQL ")
    assert postgres_server.version.startswith("PostgreSQL ")


def test_db_url_is_an_empty_database(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        assert sa.inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(sa.text("create table probe (id integer primary key)"))
        assert sa.inspect(engine).get_table_names() == ["probe"]
    finally:
        engine.dispose()


def test_only_a_sqlite_url_gets_a_directory_made_for_it(tmp_path, monkeypatch):
    from shared.db import ensure_sqlite_dir

    monkeypatch.chdir(tmp_path)
    ensure_sqlite_dir("postgresql+psycopg://postgres@127.0.0.1:15432/goals")
    assert list(tmp_path.iterdir()) == []  # was a directory named "postgresql+psycopg:"
    ensure_sqlite_dir("sqlite:///data/goals.db")
    assert (tmp_path / "data").is_dir()


@pytest.mark.kafka
def test_closing_a_service_container_stops_its_lag_probes_kafka_clients(kafka_broker, topic_prefix,
                                                                         tmp_path):
    """The lag probe's clients (made on the first /status or /metrics) refresh metadata in a
    background thread until closed: left open, they log connection errors for as long as the
    process outlives its broker (as every pytest run did after its broker stopped)."""
    from tests.support.stack import ServiceHarness, service_env
    from tests.support.waiting import eventually

    harness = ServiceHarness("goals", service_env(
        "goals", f"sqlite:///{tmp_path / 'goals.db'}", kafka_broker.bootstrap, topic_prefix))
    harness.container.ensure_topics()
    before = set(threading.enumerate())
    report = harness.container.lag_probe.report()
    assert not report.errors and report.partitions
    clients = [t for t in threading.enumerate() if t not in before and t.name.endswith("-lag")]
    assert clients, "the probe made no Kafka client"
    harness.close()
    eventually(lambda: not [t for t in clients if t.is_alive()], timeout=15, interval=0.1)


def test_a_process_trees_cpu_includes_its_children_that_ended():
    """bench.api divides a server's CPU by its requests: a gunicorn worker replaced after its
    `max_requests` ends, and the CPU it spent must still count (else a row reads negative)."""
    import os
    import subprocess
    import sys

    from bench.common import cpu_seconds

    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    before = cpu_seconds(os.getpid())
    subprocess.run([sys.executable, "-c", burn], check=True)
    assert cpu_seconds(os.getpid()) - before >= 0.25


def test_make_bench_waits_for_the_load_before_to_fall_and_no_longer_than_its_limit():
    """bench.run_all starts each benchmark once the load the one before left has fallen, so a
    table does not start busy because of its own suite; a machine kept busy by others does
    not hold it past its limit."""
    from bench.common import BUSY_LOAD
    from bench.run_all import QUIET_POLL_S, wait_for_quiet

    now = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    falling = iter([4.3, 3.0, 2.0, BUSY_LOAD - 0.1, 0.5])
    assert wait_for_quiet(60, load=lambda: next(falling), sleep=sleep,
                          clock=lambda: now[0]) == BUSY_LOAD - 0.1
    assert waits == [QUIET_POLL_S] * 3

    waits.clear()
    assert wait_for_quiet(60, load=lambda: 3.0, sleep=sleep, clock=lambda: now[0]) == 3.0
    assert sum(waits) == 60

    waits.clear()
    assert wait_for_quiet(60, load=lambda: 0.2, sleep=sleep, clock=lambda: now[0]) == 0.2
    assert waits == []


def test_a_free_port_is_picked_where_no_outgoing_connection_takes_its_port():
    """Outgoing connections take their local ports from the kernel's ephemeral range; a server
    port picked there (binding port 0) was taken by a client before the run command's broker
    bound it ("cannot start Kafka: 127.0.0.1 port(s) [43956] already in use"). A client
    connected many times over now never lands on a picked port."""
    ports_file = Path("/proc/sys/net/ipv4/ip_local_port_range")
    if not ports_file.exists():
        pytest.skip("no ephemeral range to read: free_port binds port 0")
    low, high = map(int, ports_file.read_text().split())
    if low <= PICKED_FROM + 1000:
        pytest.skip(f"the ephemeral range starts at {low}: free_port binds port 0")
    picked = {free_port() for _ in range(50)}
    assert all(PICKED_FROM <= port < low - 1 for port in picked), sorted(picked)
    with socket.create_server(("127.0.0.1", 0), backlog=256) as server:
        clients = [socket.create_connection(server.getsockname(), timeout=5)
                   for _ in range(100)]
        try:
            local_ports = {client.getsockname()[1] for client in clients}
        finally:
            for client in clients:
                client.close()
    assert all(low <= port <= high for port in local_ports)
    assert not local_ports & picked
