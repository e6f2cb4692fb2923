"""Producing and reading raw events on the real broker, as another service would."""

from __future__ import annotations

import uuid

from kafka import KafkaConsumer, KafkaProducer

from shared.events.envelope import Event, to_message


def produce(bootstrap: str, topic: str, *events: Event) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for event in events:
            message = to_message(event)
            producer.send(
                topic,
                key=message.key.encode(),
                value=message.value,
                headers=list(message.headers.items()),
            )
        producer.flush(15)
    finally:
        producer.close()


def produce_raw(bootstrap: str, topic: str, value: bytes, headers=None, key: bytes = b"k") -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, key=key, value=value, headers=headers or []).get(15)
    finally:
        producer.close()


def read_all(bootstrap: str, topic: str, expected: int, timeout_ms: int = 30_000) -> list:
    """Read `topic` from the beginning until `expected` records arrived or the timeout passed."""
    return read_until(bootstrap, topic, lambda records: len(records) >= expected, timeout_ms)


def read_until(bootstrap: str, topic: str, done, timeout_ms: int = 30_000) -> list:
    """Read `topic` from the beginning until `done(records)` or no record came for a while."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"reader-{uuid.uuid4()}",
        consumer_timeout_ms=timeout_ms,
    )
    records: list = []
    try:
        for record in consumer:
            records.append(record)
            if done(records):
                break
    finally:
        consumer.close()
    return records


def checkin_logged(
    team_id: str,
    goal_id: str,
    author_id: str,
    *,
    delta: float | None = None,
    value: float | None = None,
) -> Event:
    return Event.new(
        "checkin.logged",
        team_id,
        {
            "checkin_id": str(uuid.uuid4()),
            "goal_id": goal_id,
            "team_id": team_id,
            "author_id": author_id,
            "value": value,
            "delta": delta,
            "at": "2026-11-21T10:00:00+00:00",
        },
        subject=goal_id,
        source="/goalkeeper/checkins",
    )
