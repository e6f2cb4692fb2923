"""Events benchmark: outbox relay vs raw produce, each service's consumer vs raw consume.

`python -m bench.events [N] [--repeats R]` starts a throwaway Kafka broker and PostgreSQL, then
measures, on the same broker and in the same run, R times each (the table reports medians):
- raw kafka-python produce (same producer settings as the relay: idempotent, acks=all);
- the outbox relay (production batch size) publishing N committed outbox rows;
- raw kafka-python consume of N messages (same max_poll_records as the services);
- each service's consumer handling N events with its database work (PostgreSQL), through the
  production runner: one transaction per poll, a savepoint and an inbox row per record.
Each consumer repeat gets its own database and its own topic prefix, so no run sees another's
events; the run stops when the consumer's position reaches the end of its topics.

`python -m bench.events --flames before|after [--kafka HOST:PORT --pg-port P]` instead prepares
each consumer's workload once and runs its consumer in a child process launched by
`py-spy record` (no ptrace attach needed): bench/results/flames/<consumer>-<tag>.svg.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import subprocess
import sys
import time
import uuid

from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import event, update

from bench.common import REPO, Servers, Timer, median, quiet_logs, servers, write_table
from shared.config import Settings
from shared.events.envelope import Event, to_message
from shared.kafka import make_producer

SECRET, ADMIN = "bench-secret", "bench-admin"
DEADLINE_S = 300  # one measured loop never runs longer than this


def settings_env(service: str, url: str, bootstrap: str, prefix: str) -> dict[str, str]:
    return {
        f"{service.upper()}_DATABASE_URL": url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "GOALKEEPER_SECRET_KEY": SECRET,
        "GOALKEEPER_ADMIN_TOKEN": ADMIN,
        "GOALKEEPER_WEBHOOK_ALLOWLIST": "127.0.0.1",
        "GOALKEEPER_LOG_LEVEL": "WARNING",
    }


def settings_for(service: str, servers_, prefix: str) -> Settings:
    url = servers_.postgres.create_database(f"bench_{service}_{uuid.uuid4().hex[:8]}")
    env = settings_env(service, url, servers_.kafka.bootstrap, prefix)
    return importlib.import_module(f"services.{service}.config").load(env)


def new_prefix() -> str:
    return f"bench{uuid.uuid4().hex[:8]}."


def progressed(team_id: str, i: int) -> Event:
    return Event.new("goal.progressed", team_id, {
        "goal_id": str(uuid.uuid4()), "team_id": team_id, "owner_id": str(uuid.uuid4()),
        "previous": float(i), "current": float(i + 1), "progress": 0.5,
        "at": "2026-11-21T10:00:00+00:00"}, subject=None, source="/goalkeeper/goals")


def raw_produce(settings: Settings, topic: str, events: list[Event]) -> float:
    producer = make_producer(settings)
    producer.partitions_for(topic)  # metadata fetched (and the topic created) before timing
    messages = [to_message(e) for e in events]
    with Timer() as timer:
        for m in messages:
            producer.send(topic, key=m.key.encode(), value=m.value,
                          headers=list(m.headers.items()))
        producer.flush(120)
    producer.close()
    return len(events) / timer.seconds


def load_outbox(container, events: list[Event]) -> None:
    container.create_schema()
    writer = container.outbox_writer
    for start in range(0, len(events), 2000):
        with container.session_factory() as session, session.begin():
            writer.add(session, events[start:start + 2000])


def relay_rate(container, relay, n: int) -> float:
    """Publish every unsent outbox row with the production relay; rows are reset to unsent."""
    table = container.metadata.tables["outbox"]
    with container.engine.begin() as conn:
        conn.execute(update(table).values(sent_at=None))
    relay._is_leader()  # leader election and producer connection are not part of the rate
    relay._get_producer()
    before = relay.published
    with Timer() as timer:
        while relay.publish_pending():
            if timer.elapsed() > DEADLINE_S:
                raise TimeoutError("relay did not publish the outbox in time")
    published = relay.published - before
    if published != n:
        raise RuntimeError(f"relay published {published} of {n} rows")
    return published / timer.seconds


def raw_consume(bootstrap: str, topic: str, n: int) -> float:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                             group_id=f"bench-{uuid.uuid4()}", enable_auto_commit=False,
                             max_poll_records=500)
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(parts)
    consumer.seek_to_beginning()
    seen = 0
    with Timer() as timer:
        while seen < n:
            for records in consumer.poll(timeout_ms=1000).values():
                seen += len(records)
            if timer.elapsed() > DEADLINE_S:
                raise TimeoutError(f"raw consume saw {seen} of {n}")
    consumer.close()
    return seen / timer.seconds


def wait_for_metadata(consumer, topics: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    for topic in topics:
        while not consumer.partitions_for_topic(topic):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no metadata for {topic}")
            time.sleep(0.1)


def statements_per_thousand(per_record: float) -> str:
    """A batch's statements are shared by its records: per record, one decimal shows 0.0."""
    return f"{per_record * 1000:,.0f} SQL statements per 1,000 events"


def consumer_rate(container, max_seconds: float | None = None) -> tuple[float, int, object, float]:
    """(records/s, records, stats, SQL statements per record) for the service's production
    consumer runner, from the beginning of its topics to their end (or `max_seconds`)."""
    runner = container.consumer()
    consumer = runner.consumer_factory()
    # Metadata first: a group joined before the topics' metadata arrived gets an empty
    # assignment with kafka-python 3.0 (see the report), which would stall the measurement.
    wait_for_metadata(consumer, runner.topics)
    consumer.subscribe(topics=runner.topics, listener=runner)
    runner._consumer = consumer
    deadline = time.monotonic() + 60
    while not consumer.assignment():
        consumer.poll(timeout_ms=200)
        if time.monotonic() > deadline:
            raise TimeoutError("consumer got no partitions")
    consumer.seek_to_beginning()
    parts = list(consumer.assignment())
    end = consumer.end_offsets(parts)
    start = {tp: consumer.position(tp) for tp in parts}
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    event.listen(container.engine, "before_cursor_execute", count)
    limit = max_seconds or DEADLINE_S
    with Timer() as timer:
        while any(consumer.position(tp) < end[tp] for tp in parts):
            runner.run_once()
            if timer.elapsed() > limit:
                if max_seconds:
                    break
                raise TimeoutError(f"{runner.name}: stats {runner.stats}")
    event.remove(container.engine, "before_cursor_execute", count)
    done = sum(consumer.position(tp) - start[tp] for tp in parts)
    stats = runner.stats
    runner.close()
    return done / timer.seconds, done, stats, statements[0] / max(done, 1)


def main(n: int, repeats: int, consumer_seconds: float) -> None:
    from bench.workloads import DESCRIPTIONS, WORKLOADS
    from services.goals.bootstrap import bootstrap as goals_bootstrap

    quiet_logs()
    rates: dict[str, list[float]] = {}
    checks: dict[str, str] = {}
    with servers() as s:
        goals_settings = settings_for("goals", s, new_prefix())
        team = str(uuid.uuid4())
        events = [progressed(team, i) for i in range(n)]
        container = goals_bootstrap(goals_settings)
        load_outbox(container, events)
        relay = container.relay()
        raw_topic = f"{new_prefix()}raw"
        for r in range(repeats):
            rates.setdefault("produce", []).append(raw_produce(goals_settings, raw_topic, events))
            rates.setdefault("relay", []).append(relay_rate(container, relay, n))
            print(f"repeat {r + 1}: produce {rates['produce'][-1]:,.0f}/s, "
                  f"relay {rates['relay'][-1]:,.0f}/s", flush=True)
        relay.close()
        container.engine.dispose()
        for r in range(repeats):
            rates.setdefault("consume", []).append(raw_consume(s.kafka.bootstrap, raw_topic, n))
            for service, workload in WORKLOADS.items():
                c = workload(settings_for(service.split("-")[0], s, new_prefix()), n)
                rate, total, stats, per = consumer_rate(c, consumer_seconds)
                rates.setdefault(service, []).append(rate)
                checks[service] = (f"{total:,} records in {total / rate:.0f} s: "
                                   f"{stats.handled:,} handled, {stats.dead_lettered} DLQ, "
                                   f"{statements_per_thousand(per)}")
                c.engine.dispose()
                print(f"repeat {r + 1}: consume {rates['consume'][-1]:,.0f}/s, {service} "
                      f"{rate:,.0f}/s ({checks[service]})", flush=True)

    def row(label: str, key: str, base: str, target: str, note: str = "") -> list:
        value, ratios = median(rates[key]), [a / b for a, b in zip(rates[key], rates[base],
                                                                   strict=True)]
        return [label, f"{value:,.0f}", f"{median(ratios):.0%}", target, note]

    produce_p = "≥ 50% of raw produce"
    consume_t = "≥ 25% of raw consume"
    rows = [
        row("raw kafka-python produce (idempotent, acks=all)", "produce", "produce", "", ""),
        row("outbox relay (PostgreSQL → Kafka, batch 500)", "relay", "produce",
            produce_p + (" ✅" if median(_ratios(rates, "relay", "produce")) >= .5 else " ❌")),
        row("raw kafka-python consume", "consume", "consume", "", ""),
    ]
    for service in WORKLOADS:
        ok = median(_ratios(rates, service, "consume")) >= .25
        rows.append(row(DESCRIPTIONS[service], service, "consume",
                        consume_t + (" ✅" if ok else " ❌"), checks[service]))
    write_table("events", f"Events: {n:,} events per row, one broker, PostgreSQL",
                ["path", "events/s (median)", "vs raw (median of per-repeat ratios)", "target",
                 "last repeat"], rows,
                notes=f"Median of {repeats} repeats; each ratio is taken within one repeat. "
                      f"Consumers run over N events or {consumer_seconds:.0f} s, whichever "
                      "comes first, checked between poll batches (the time bound keeps the run "
                      "short). Relay rows are goal.progressed events. `python -m bench.events`.")


def _ratios(rates: dict, key: str, base: str) -> list[float]:
    return [a / b for a, b in zip(rates[key], rates[base], strict=True)]


# -- flame graphs: one consumer per child process, launched by py-spy -----------------------
def flames(tag: str, n: int, seconds: float, external, only: set[str]) -> None:
    """A flame graph of each workload's consumer (or those in `only`) over its backlog."""
    from bench.profile import FLAMES, py_spy
    from bench.workloads import WORKLOADS

    quiet_logs()
    FLAMES.mkdir(parents=True, exist_ok=True)
    with contextlib.nullcontext(external) if external else servers() as s:
        for name, workload in WORKLOADS.items():
            if only and name not in only:
                continue
            service = name.split("-")[0]
            container = workload(settings_for(service, s, new_prefix()), n)
            container.engine.dispose()
            settings = container.settings
            env = settings_env(service, settings.database_url, s.kafka.bootstrap,
                               settings.topic_prefix)
            out = FLAMES / f"{name}-{tag}.svg"
            subprocess.run([py_spy(), "record", "--rate", "200", "--format", "flamegraph",
                            "--output", str(out), "--", sys.executable, "-m", "bench.events",
                            "--consume-only", service, "--consumer-seconds", str(seconds)],
                           env={**os.environ, **env}, cwd=REPO, check=True)
            print(f"{name}: {out}", flush=True)
            if external:
                s.postgres.drop_database(settings.database_url.rsplit("/", 1)[1])


def consume_only(service: str, seconds: float) -> None:
    """The child of `flames`: the service's consumer over its topics, settings from the env."""
    settings = importlib.import_module(f"services.{service}.config").load()
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    rate, total, stats, per = consumer_rate(container, seconds)
    print(f"{service}: {total:,} records at {rate:,.0f}/s, {statements_per_thousand(per)}, "
          f"{stats.handled:,} handled", flush=True)


def external_servers(kafka: str, pg_port: int) -> Servers:
    from infra.kafka_broker import ExternalKafka
    from infra.postgres_server import PostgresEndpoint

    return Servers(ExternalKafka(bootstrap=kafka), PostgresEndpoint(pg_port))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--consumer-seconds", type=float, default=30,
                        help="each consumer run stops at the end of its N events or after this")
    parser.add_argument("--flames", metavar="TAG", help="flame graphs <consumer>-TAG.svg instead")
    parser.add_argument("--kafka", help="bootstrap of a running broker (with --flames)")
    parser.add_argument("--pg-port", type=int, help="port of a running PostgreSQL (with --flames)")
    parser.add_argument("--only", default="", help="with --flames: comma-separated consumers")
    parser.add_argument("--consume-only", metavar="SERVICE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.consume_only:
        consume_only(args.consume_only, args.consumer_seconds)
    elif args.flames:
        shared = external_servers(args.kafka, args.pg_port) if args.kafka and args.pg_port \
            else None
        flames(args.flames, args.n, args.consumer_seconds, shared,
               {x for x in args.only.split(",") if x})
    else:
        main(args.n, args.repeats, args.consumer_seconds)
