"""One team's events stay in order across a leader change: the services' producer (idempotent,
acks=all, keyed by team) writes numbered events for many teams while the leader of the first
partition is SIGKILLed; a consumer in a group reads them back, through the same failover, and
each team's numbers arrive strictly increasing, every acknowledged one present, none twice."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import pytest

from shared.config import Settings
from shared.kafka import ensure_topics, make_consumer, make_producer
from tests.cluster.results import record
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.alone]

TEAMS = [f"team-{n:02d}" for n in range(24)]
ROUNDS = 60  # events per team


def cluster_settings(cluster, topic_prefix: str) -> Settings:
    return Settings(service="goals", database_url="sqlite://", port=0,
                    kafka_bootstrap_servers=cluster.bootstrap, topic_prefix=topic_prefix,
                    kafka_partitions=3, kafka_replication_factor=3, kafka_min_insync_replicas=2)


class NumberedProducer(threading.Thread):
    """Sends event n of every team, round after round; remembers what was acknowledged."""

    def __init__(self, settings: Settings, topic: str):
        super().__init__(daemon=True)
        self.producer = make_producer(settings, delivery_timeout_ms=60_000,
                                      request_timeout_ms=10_000, max_block_ms=30_000)
        self.topic = topic
        self.acked: dict[str, list[int]] = defaultdict(list)
        self.failed = 0
        self.halfway = threading.Event()

    def run(self) -> None:
        for n in range(ROUNDS):
            futures = [(team, self.producer.send(self.topic, key=team.encode(),
                                                 value=str(n).encode())) for team in TEAMS]
            self.producer.flush(timeout=90)
            for team, future in futures:
                if future.succeeded():
                    self.acked[team].append(n)
                else:
                    self.failed += 1
            if n == ROUNDS // 3:
                self.halfway.set()
            time.sleep(0.05)
        self.producer.close()


def test_each_teams_events_stay_in_order_across_a_leader_change(kafka_cluster, topic_prefix):
    settings = cluster_settings(kafka_cluster, topic_prefix)
    ensure_topics(settings, ["goals.events"])
    topic = settings.topic("goals.events")
    kafka_cluster.wait_in_sync([topic])
    consumer = make_consumer(settings, f"{topic_prefix}order-check")
    consumer.subscribe([topic])
    seen: dict[str, list[int]] = defaultdict(list)
    positions: set[tuple[int, int]] = set()  # a rejoining consumer may read a record again

    def read() -> None:
        for records in consumer.poll(timeout_ms=500).values():
            for r in records:
                if (r.partition, r.offset) not in positions:
                    positions.add((r.partition, r.offset))
                    seen[r.key.decode()].append(int(r.value))

    producer = NumberedProducer(settings, topic)
    producer.start()
    producer.halfway.wait(120)
    leader = kafka_cluster.leader_of(topic, 0)
    kafka_cluster.node(leader).kill()
    killed = time.monotonic()
    eventually(lambda: kafka_cluster.leader_of(topic, 0) not in (-1, leader), timeout=120,
               interval=0.2)
    elected = time.monotonic() - killed
    while producer.is_alive():
        read()
    ends = time.monotonic()
    eventually(lambda: read() or all(len(seen[t]) >= len(producer.acked[t]) for t in TEAMS),
               timeout=120, interval=0.1)
    consumer.close()
    record("leader of a partition SIGKILLed (ordering)",
           f"new leader elected {elected:.1f} s after the kill; {len(TEAMS) * ROUNDS} events, "
           f"{producer.failed} not acknowledged; consumer caught up "
           f"{time.monotonic() - ends:.1f} s after the last send")

    for team in TEAMS:
        assert seen[team] == sorted(set(seen[team])), f"{team} out of order or doubled"
        assert set(producer.acked[team]) <= set(seen[team]), f"{team} lost an acknowledged event"
    kafka_cluster.node(leader).start()
    kafka_cluster.wait_in_sync([topic])
