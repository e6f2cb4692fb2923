"""kafka-python clients configured the same way in every service. Create them after fork."""

from __future__ import annotations

import logging
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from shared.config import Settings
from shared.events.topics import dlq

log = logging.getLogger(__name__)


def make_producer(settings: Settings, **overrides) -> KafkaProducer:
    """Idempotent, acks=all producer: ordered per partition, no duplicates from its own retries."""
    config = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        client_id=f"goalkeeper-{settings.service}",
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_block_ms=5_000,
        request_timeout_ms=5_000,
        delivery_timeout_ms=15_000,
        reconnect_backoff_max_ms=2_000,
    )
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(settings: Settings, group_id: str, **overrides) -> KafkaConsumer:
    """A consumer with manual commits; the caller subscribes with its rebalance listener."""
    config = dict(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
        client_id=f"goalkeeper-{settings.service}",
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        session_timeout_ms=10_000,
        heartbeat_interval_ms=1_000,
        max_poll_interval_ms=300_000,
        reconnect_backoff_max_ms=2_000,
        metadata_max_age_ms=5_000,
    )
    config.update(overrides)
    return KafkaConsumer(**config)


def ensure_topics(settings: Settings, logical_topics: list[str], *, timeout: float = 60.0,
                  served: bool = False) -> None:
    """Create each topic and its dead-letter topic when missing; waits for the broker.
    `served`: also wait until every partition's leader serves it (a worker starting up; it
    costs a client's round trips, about 0.2 s)."""
    names = []
    for logical in logical_topics:
        names += [settings.topic(logical), settings.topic(dlq(logical))]
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                client_id=f"goalkeeper-{settings.service}-admin",
                request_timeout_ms=10_000,
            )
            try:
                _create_missing(admin, names, settings)
                _wait_until_visible(admin, names, deadline)
            finally:
                admin.close()
            if served:
                _wait_until_served(settings, names, deadline)
            return
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise
            log.warning("broker not ready for topic creation: %s", exc)
            time.sleep(1.0)


def _create_missing(admin: KafkaAdminClient, names: list[str], settings: Settings) -> None:
    existing = set(admin.list_topics())
    missing = [n for n in names if n not in existing]
    if not missing:
        return
    replicated = {"min.insync.replicas": str(settings.kafka_min_insync_replicas)}
    try:
        admin.create_topics([
            NewTopic(name=n, num_partitions=settings.kafka_partitions,
                     replication_factor=settings.kafka_replication_factor,
                     topic_configs=replicated)
            for n in missing
        ])
    except TopicAlreadyExistsError:
        pass


def _wait_until_visible(admin: KafkaAdminClient, names: list[str], deadline: float) -> None:
    """Topic creation is asynchronous: wait until every topic has its partitions' leaders."""
    while True:
        described = admin.describe_topics(names)
        ready = {
            t["name"]
            for t in described
            if not t.get("error_code")
            and t.get("partitions")
            and all(p.get("leader_id", -1) >= 0 for p in t["partitions"])
        }
        if ready >= set(names) or time.monotonic() > deadline:
            return
        time.sleep(0.1)


def _wait_until_served(settings: Settings, names: list[str], deadline: float) -> None:
    """Until each partition's leader answers for it. The metadata names a new partition's
    leader a moment before that broker serves it: a producer or consumer starting in that
    moment is told NotLeaderForPartition, retries and logs a warning per try (ListOffsets,
    asked here, retries quietly)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","),
                             client_id=f"goalkeeper-{settings.service}-admin",
                             enable_auto_commit=False)
    try:
        partitions = [TopicPartition(name, partition) for name in names
                      for partition in consumer.partitions_for_topic(name)]
        consumer.end_offsets(partitions,
                             timeout_ms=max(int((deadline - time.monotonic()) * 1000), 1000))
    finally:
        consumer.close()
