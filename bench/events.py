"""Events benchmark: outbox relay vs raw produce, each service's consumer vs raw consume.

`python -m bench.events [N]` starts a throwaway Kafka broker and PostgreSQL, then measures, on
the same broker and in the same run:
- raw kafka-python produce (same producer settings as the relay: idempotent, acks=all);
- the outbox relay publishing N committed outbox rows;
- raw kafka-python consume of N messages;
- each service's consumer handling N events with its database work (PostgreSQL).
"""

from __future__ import annotations

import sys
import uuid

from kafka import KafkaConsumer

from bench.common import Timer, servers, write_table
from shared.config import Settings
from shared.events.envelope import Event, to_message
from shared.kafka import make_producer

SECRET, ADMIN = "bench-secret", "bench-admin"


def settings_for(service: str, servers_, prefix: str) -> Settings:
    url = servers_.postgres.create_database(f"bench_{service}_{uuid.uuid4().hex[:8]}")
    return Settings.from_env(service, {
        f"{service.upper()}_DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": servers_.kafka.bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "GOALKEEPER_SECRET_KEY": SECRET,
        "GOALKEEPER_ADMIN_TOKEN": ADMIN,
        "GOALKEEPER_WEBHOOK_ALLOWLIST": "127.0.0.1",
        "GOALKEEPER_LOG_LEVEL": "WARNING",
    })


def progressed(team_id: str, i: int) -> Event:
    return Event.new("goal.progressed", team_id, {
        "goal_id": str(uuid.uuid4()), "team_id": team_id, "owner_id": str(uuid.uuid4()),
        "previous": float(i), "current": float(i + 1), "progress": 0.5,
        "at": "2026-11-21T10:00:00+00:00"}, subject=None, source="/goalkeeper/goals")


def raw_produce(settings: Settings, topic: str, events: list[Event]) -> float:
    producer = make_producer(settings)
    messages = [to_message(e) for e in events]
    with Timer() as timer:
        for m in messages:
            producer.send(topic, key=m.key.encode(), value=m.value,
                          headers=list(m.headers.items()))
        producer.flush(120)
    producer.close()
    return len(events) / timer.seconds


def relay_rate(container, events: list[Event]) -> float:
    container.create_schema()
    writer = container.outbox_writer
    for start in range(0, len(events), 2000):
        with container.session_factory() as session, session.begin():
            writer.add(session, events[start:start + 2000])
    relay = container.relay(batch_size=1000)
    with Timer() as timer:
        while relay.publish_pending():
            pass
    relay.close()
    return relay.published / timer.seconds


def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             group_id=f"bench-{uuid.uuid4()}", enable_auto_commit=False,
                             max_poll_records=500)
    seen = 0
    consumer.poll(timeout_ms=5000, max_records=1)  # join the group before timing
    consumer.seek_to_beginning()
    with Timer() as timer:
        while seen < n:
            for records in consumer.poll(timeout_ms=1000).values():
                seen += len(records)
    consumer.close()
    return n / timer.seconds


def consumer_rate(container, n: int) -> float:
    runner = container.consumer()
    runner._ensure_consumer()
    while not runner._consumer.assignment():
        runner._consumer.poll(timeout_ms=200)
    runner._consumer.seek_to_beginning()
    with Timer() as timer:
        while runner.stats.handled + runner.stats.duplicates < n:
            runner.run_once()
    runner.close()
    return n / timer.seconds


def main(n: int) -> None:
    from bench.workloads import WORKLOADS

    with servers() as s:
        prefix = f"bench{uuid.uuid4().hex[:6]}."
        goals_settings = settings_for("goals", s, prefix)
        team = str(uuid.uuid4())
        events = [progressed(team, i) for i in range(n)]
        produce = raw_produce(goals_settings, f"{prefix}raw", events)
        from services.goals.bootstrap import bootstrap as goals_bootstrap

        relay = relay_rate(goals_bootstrap(goals_settings), events)
        consume = raw_consume(s.kafka.bootstrap, f"{prefix}raw", n)
        rows = [
            ["raw kafka-python produce (idempotent, acks=all)", f"{produce:,.0f}", "100%", ""],
            ["outbox relay (PostgreSQL → Kafka)", f"{relay:,.0f}", f"{relay / produce:.0%}",
             "≥ 50% of raw produce"],
            ["raw kafka-python consume", f"{consume:,.0f}", "100%", ""],
        ]
        for service, workload in WORKLOADS.items():
            container = workload(settings_for(service, s, prefix), n)
            rate = consumer_rate(container, n)
            rows.append([f"{service} consumer, with its database work", f"{rate:,.0f}",
                         f"{rate / consume:.0%}", "≥ 25% of raw consume"])
            container.engine.dispose()
    write_table("events", f"Events: {n:,} events per row, one broker, PostgreSQL 15",
                ["path", "events/s", "vs raw", "target"], rows)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
