"""The test infrastructure itself: real Kafka and PostgreSQL servers answer."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from infra.kafka_broker import ExternalKafka, KafkaBroker, free_port
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
