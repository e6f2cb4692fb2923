"""Reading what was really published: a topic from its beginning, record by record, as often as
a scenario asks, without a consumer group (so nothing a service does is disturbed)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError


@dataclass(frozen=True)
class Published:
    """One record of a topic: CloudEvent id and type from its headers, data from its value."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def event_id(self) -> str | None:
        return self.headers.get("ce_id")

    @property
    def event_type(self) -> str | None:
        return self.headers.get("ce_type")

    @property
    def data(self) -> dict:
        try:
            decoded = json.loads(self.value)
        except (ValueError, UnicodeDecodeError):
            return {}
        return decoded if isinstance(decoded, dict) else {}


class TopicTail:
    """Every record of `topic` so far; `read()` fetches what arrived since the last call."""

    def __init__(self, bootstrap: str, topic: str):
        self.bootstrap = bootstrap
        self.topic = topic
        self.records: list[Published] = []
        self.absent = False
        self._consumer: KafkaConsumer | None = None

    def read(self, polls: int = 3) -> list[Published]:
        """Every record so far, with what arrived since the last call: polled until a poll
        brings nothing, at most `polls` times, and not at all once every partition is read to
        its end offset (a poll with nothing to fetch would wait out its timeout)."""
        try:
            consumer = self._assigned()
            if consumer is None:
                return self.records
            for _ in range(polls):
                if self._at_end(consumer):
                    break
                batch = consumer.poll(timeout_ms=300)
                for records in batch.values():
                    self.records.extend(_published(r) for r in records)
                if not batch:
                    break
        except KafkaError:
            self.close()  # broker away (a fault scenario): read again once it is back
        return self.records

    def read_to_end(self, attempts: int = 40) -> list[Published]:
        """Read until every partition's position reached its end offset (a topic that does
        not exist has no records)."""
        for _ in range(attempts):
            self.read(polls=10)
            consumer = self._consumer
            if consumer is None:
                if self.absent:
                    return []
                continue
            try:
                if self._at_end(consumer):
                    return self.records
            except KafkaError:
                self.close()
        raise AssertionError(f"could not read {self.topic} to its end")

    @staticmethod
    def _at_end(consumer: KafkaConsumer) -> bool:
        """Every assigned partition's position has reached its end offset."""
        ends = consumer.end_offsets(list(consumer.assignment()))
        return all(consumer.position(tp) >= end for tp, end in ends.items())

    def close(self) -> None:
        if self._consumer is not None:
            self._consumer.close()
            self._consumer = None
            self.records = []  # a new consumer starts again from the beginning

    def _assigned(self) -> KafkaConsumer | None:
        if self._consumer is not None:
            return self._consumer
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            group_id=None,
            request_timeout_ms=10_000,  # a leader gone for good fails a read, not blocks it
        )
        partitions = consumer.partitions_for_topic(self.topic)
        if not partitions:
            self.absent = not self._exists()
            consumer.close()
            return None
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        self._consumer = consumer
        return consumer


    def _exists(self) -> bool:
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="fault-reader")
        try:
            return self.topic in admin.list_topics()
        finally:
            admin.close()


def _published(record) -> Published:
    headers = {name: (raw or b"").decode(errors="replace") for name, raw in record.headers or ()}
    return Published(
        record.topic, record.partition, record.offset, record.key, record.value or b"", headers
    )
