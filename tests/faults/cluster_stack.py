"""The fault stack on a 3-node cluster: topics with replication factor 3 and
min.insync.replicas 2, and two worker replicas per service (real processes, each named in
PostgreSQL so the relay-lock holder can be found). Check-in load is timed: every accepted
check-in's end-to-end latency is measured to its `goal.progressed` on the goals topic."""

from __future__ import annotations

import json
import time
import uuid

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from infra.kafka_cluster import MIN_INSYNC_REPLICAS, REPLICATION_FACTOR
from tests.cluster.replicas import Replica, advisory_holders, relay_key
from tests.faults.load import CheckinLoad
from tests.faults.stack import SERVICES, FaultStack
from tests.support.stack import ServiceHarness, service_env

REPLICAS = 2


class ClusterFaultStack(FaultStack):
    def __init__(self, cluster, postgres, slack_url: str):  # noqa: D107 - FaultStack's, replicated
        self.broker = cluster
        self.cluster = cluster
        self.postgres = postgres
        self.prefix = f"c{uuid.uuid4().hex[:8]}."
        self.services: dict[str, ServiceHarness] = {}
        self.replicas: dict[str, list[Replica]] = {}
        for service in SERVICES:
            url = postgres.create_database(f"failover_{service}_{uuid.uuid4().hex[:8]}")
            env = service_env(service, url, cluster.bootstrap, self.prefix,
                              KAFKA_REPLICATION_FACTOR=str(REPLICATION_FACTOR),
                              KAFKA_MIN_INSYNC_REPLICAS=str(MIN_INSYNC_REPLICAS))
            self.services[service] = ServiceHarness(service, env)
            self.replicas[service] = [Replica(service, env, f"{self.prefix}{service}-{n}")
                                      for n in range(1, REPLICAS + 1)]
        self.slack_url = slack_url
        self.seeded_team_id = ""

    def start(self) -> None:
        for service, harness in self.services.items():
            harness.container.ensure_topics()
            for replica in self.replicas[service]:
                replica.start()

    def close(self) -> None:
        for replicas in self.replicas.values():
            for replica in replicas:
                replica.kill()
        super().close()

    def relay_holder(self, service: str) -> Replica | None:
        harness = self.services[service]
        names = advisory_holders(harness.container.engine, relay_key(harness.settings))
        return next((r for r in self.replicas[service] if r.name in names), None)

    def busiest_partition(self, logical_topic: str) -> int:
        """The partition of the seeded team (all of this load's events are keyed by it)."""
        consumer = KafkaConsumer(bootstrap_servers=self.cluster.bootstrap.split(","))
        try:
            topic = self.prefix + logical_topic
            ends = consumer.end_offsets([TopicPartition(topic, p)
                                         for p in consumer.partitions_for_topic(topic)])
        finally:
            consumer.close()
        return max(ends, key=ends.get).partition


class TimedCheckinLoad(CheckinLoad):
    """The fault suite's load, remembering when each check-in was accepted (epoch seconds)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.accepted_at: dict[str, float] = {}

    def _post_until_accepted(self, key: str, delta: int, patience_s: float = 120) -> None:
        before = len(self.result.accepted)
        super()._post_until_accepted(key, delta, patience_s)
        if len(self.result.accepted) > before:
            self.accepted_at[self.result.accepted[-1]] = time.time()


def end_to_end_latencies(bootstrap: str, topic: str, accepted_at: dict[str, float]) -> list[float]:
    """Seconds from each check-in's acceptance to its first `goal.progressed` on the goals topic
    (the record's timestamp, set when the goals relay produced it)."""
    first: dict[str, float] = {}
    consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest")
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            for records in consumer.poll(timeout_ms=1000).values():
                for r in records:
                    headers = dict(r.headers or ())
                    if headers.get("ce_type") != b"goal.progressed":
                        continue
                    checkin = json.loads(r.value).get("checkin_id")
                    if checkin in accepted_at and checkin not in first:
                        first[checkin] = r.timestamp / 1000
    except KafkaError:
        pass
    finally:
        consumer.close()
    return [first[i] - accepted_at[i] for i in accepted_at if i in first]
