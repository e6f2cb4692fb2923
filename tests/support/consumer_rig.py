"""A tiny test-only service for the consumer runner: its own tables, handlers and topic.

The consumer tests use it instead of a real service so they prove the plumbing alone, on the
real broker and both databases.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import (
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)

from shared.config import Settings
from shared.consumer import ConsumerRunner
from shared.db import BigId, make_engine, make_session_factory
from shared.events.envelope import Event, to_message
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.messaging_tables import add_messaging_tables
from shared.outbox import OutboxWriter, make_waker
from shared.uow import UnitOfWork
from tests.support.events import checkin_logged, read_until
from tests.support.fixtures import delete_topics

metadata = MetaData()
outbox, inbox = add_messaging_tables(metadata, "checkins")
effects = Table(
    "effects",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("team_id", String(64), nullable=False),
)
# No unique constraint: a second effect of one event would show here as a second row.
tally = Table(
    "tally",
    metadata,
    Column("seq", BigId, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
)
parents = Table("parents", metadata, Column("id", Integer, primary_key=True))
# Checked at COMMIT on both engines: a handler can make its batch's commit fail for real.
children = Table(
    "children",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "parent_id",
        Integer,
        ForeignKey("parents.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
)

LOGICAL_TOPIC = "checkins.events"
PARTITIONS = 3


class Rig:
    def __init__(self, db_url: str, bootstrap: str, topic_prefix: str):
        self.bootstrap = bootstrap
        self.prefix = topic_prefix
        self.settings = Settings(
            service="checkins",
            database_url=db_url,
            port=0,
            kafka_bootstrap_servers=bootstrap,
            topic_prefix=topic_prefix,
            kafka_partitions=PARTITIONS,
        )
        self.engine = make_engine(db_url)
        metadata.create_all(self.engine)
        self.session_factory = make_session_factory(self.engine)
        self.writer = OutboxWriter(outbox, self.settings)
        self.waker = make_waker(self.settings)
        self.topic = self.settings.topic(LOGICAL_TOPIC)
        self.group_id = f"{topic_prefix}rig"
        ensure_topics(self.settings, [LOGICAL_TOPIC])
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")

    def close(self) -> None:
        self._producer.close()
        self.engine.dispose()
        delete_topics(self.bootstrap, self.prefix)

    # -- the service side -------------------------------------------------------------------
    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.writer, self.waker)

    def runner(self, handler, consumer_overrides: dict | None = None, **options) -> ConsumerRunner:
        return ConsumerRunner(
            name="rig-consumer",
            topics=[self.topic],
            handlers={"checkin.logged": handler},
            uow_factory=self.uow,
            inbox=inbox,
            consumer_factory=lambda: make_consumer(
                self.settings, self.group_id, **(consumer_overrides or {})
            ),
            producer_factory=lambda: make_producer(self.settings),
            **options,
        )

    @staticmethod
    def record(event: Event, uow: UnitOfWork) -> None:
        """The default handler: one row per handled event (a second one would violate unique)."""
        uow.session.execute(insert(effects).values(event_id=event.id, team_id=event.team_id))

    @staticmethod
    def count(event: Event, uow: UnitOfWork) -> None:
        """A handler whose effect is not guarded by any constraint: one row per run."""
        uow.session.execute(insert(tally).values(event_id=event.id))

    def tallied(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            ids = conn.execute(select(tally.c.event_id)).scalars()
            counts: dict[str, int] = {}
            for event_id in ids:
                counts[event_id] = counts.get(event_id, 0) + 1
            return counts

    @contextmanager
    def running(self, runner: ConsumerRunner) -> Iterator[threading.Event]:
        """Run `runner` in a thread; leaving the block stops it as SIGTERM would, and waits."""
        stop = threading.Event()
        thread = threading.Thread(target=runner.run, args=(stop,), name="rig-consumer")
        thread.start()
        try:
            yield stop
        finally:
            stop.set()
            thread.join(60)
            assert not thread.is_alive(), "the consumer did not stop"

    # -- the outside world ------------------------------------------------------------------
    def event(self, team_id: str | None = None) -> Event:
        team = team_id or f"team-{uuid.uuid4().hex[:8]}"
        return checkin_logged(team, str(uuid.uuid4()), str(uuid.uuid4()), delta=1)

    def produce(self, event: Event, partition: int) -> None:
        message = to_message(event)
        self.produce_raw(
            message.value, list(message.headers.items()), partition, key=message.key.encode()
        )

    def produce_raw(self, value: bytes, headers: list, partition: int, key: bytes = b"k") -> None:
        self._producer.send(
            self.topic, key=key, value=value, headers=headers, partition=partition
        ).get(15)

    def handled_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(effects.c.event_id).order_by(effects.c.seq)).scalars())

    def dead_letters(self, expected: int, timeout_ms: int = 5_000) -> list:
        return read_until(
            self.bootstrap, f"{self.topic}.dlq", lambda r: len(r) >= expected, timeout_ms
        )

    def end_offsets(self) -> dict[int, int]:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap)
        try:
            tps = [TopicPartition(self.topic, p) for p in range(PARTITIONS)]
            return {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
        finally:
            consumer.close()

    def committed_offsets(self) -> dict[int, int | None]:
        """The group's committed offsets, read by a fresh client that does not join the group."""
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group_id, enable_auto_commit=False
        )
        try:
            return {p: consumer.committed(TopicPartition(self.topic, p)) for p in range(PARTITIONS)}
        finally:
            consumer.close(autocommit=False)


@contextmanager
def rig_on(db_url: str, bootstrap: str, topic_prefix: str) -> Iterator[Rig]:
    rig = Rig(db_url, bootstrap, topic_prefix)
    try:
        yield rig
    finally:
        rig.close()
