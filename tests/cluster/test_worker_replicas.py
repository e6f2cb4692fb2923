"""Two worker replicas of one service share its work: the consumer group splits the partitions,
one replica at a time relays the outbox (and another takes over after a SIGKILL), and each
scheduled job runs once per tick across replicas. Real broker, real PostgreSQL, real processes.
"""

from __future__ import annotations

import importlib
import time
from collections import Counter

import pytest
from kafka import KafkaAdminClient
from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shared.db import make_engine
from shared.events.envelope import Event
from shared.worker import JobLeases
from tests.cluster.job_replica import TABLE as RUNS_TABLE
from tests.cluster.replicas import Replica, advisory_holders, relay_key
from tests.cluster.results import record
from tests.support.events import produce, read_until
from tests.support.seed import add_member, create_team
from tests.support.stack import ServiceHarness, service_env
from tests.support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.alone]

PARTITIONS = 4


@pytest.fixture
def goals(kafka_broker, postgres_server, topic_prefix):
    url = postgres_server.create_database(f"replicas_{topic_prefix.strip('.')}")
    env = service_env("goals", url, kafka_broker.bootstrap, topic_prefix,
                      KAFKA_PARTITIONS=str(PARTITIONS))
    harness = ServiceHarness("goals", env)
    harness.container.ensure_topics()
    replicas = [Replica("goals", env, f"{topic_prefix}r{i}") for i in (1, 2)]
    yield harness, replicas
    for replica in replicas:
        replica.stop()
    harness.close()


def assignment(bootstrap: str, group: str) -> dict[str, set[tuple[str, int]]]:
    """Member id -> the partitions the group coordinator gave it."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        info = admin.describe_groups([group])[group]
    except (CoordinatorNotAvailableError, CoordinatorLoadInProgressError):
        return {}  # a broker just started has no group coordinator yet: not split yet
    finally:
        admin.close()
    if info["group_state"] != "Stable":
        return {}
    return {m["member_id"]: {(a["topic"], p) for a in m["member_assignment"]["assigned_partitions"]
                             for p in a["partitions"]} for m in info["members"]}


def test_two_replicas_split_the_partitions_and_handle_every_record(goals, kafka_broker):
    harness, replicas = goals
    for replica in replicas:
        replica.start()
    group = harness.container.group_id
    topic = harness.settings.topic("checkins.events")

    def split() -> dict:
        owned = assignment(kafka_broker.bootstrap, group)
        return owned if len(owned) == 2 and all(owned.values()) else {}

    owned = eventually(split, timeout=120, interval=0.5)
    first, second = owned.values()
    assert first.isdisjoint(second)
    assert first | second == {(topic, p) for p in range(PARTITIONS)}
    assert len(first) == len(second) == PARTITIONS // 2

    pings = [Event(type="test.ping", team_id=f"team-{i}", data={}) for i in range(200)]
    produce(kafka_broker.bootstrap, topic, *pings)

    def caught_up():
        report = harness.container.lag_probe.report()
        assert not report.errors, report.errors
        assert report.partitions and all(p.committed == p.end for p in report.partitions), (
            report.partitions)
        return report

    report = eventually(caught_up, timeout=120, interval=0.5)
    assert sum(p.end for p in report.partitions) == len(pings)
    assert sum(1 for p in report.partitions if p.end) == PARTITIONS  # every replica had work


def test_one_replica_relays_and_the_other_takes_over_after_a_sigkill(goals, kafka_broker):
    harness, (one, two) = goals
    engine, key = harness.container.engine, relay_key(harness.settings)
    one.start()
    eventually(lambda: advisory_holders(engine, key) == [one.name], timeout=120, interval=0.2)
    two.start()
    eventually(lambda: two.name in sessions(engine), timeout=120, interval=0.2)  # it is up
    time.sleep(2)  # and trying the lock every second
    samples = [advisory_holders(engine, key) for _ in range(10) if not time.sleep(0.2)]
    assert samples == [[one.name]] * 10, "exactly one relay at a time"

    team = create_team(harness, name="Relay")
    eventually(lambda: unsent(engine) == 0, timeout=60, interval=0.2)

    one.kill()
    killed = time.monotonic()
    eventually(lambda: advisory_holders(engine, key) == [two.name], timeout=60, interval=0.1)
    takeover = time.monotonic() - killed
    for n in range(5):
        add_member(harness, team, f"Member{n}")
    eventually(lambda: unsent(engine) == 0, timeout=60, interval=0.1)
    drained = time.monotonic() - killed
    record("relay lock holder SIGKILLed (2 goals replicas)",
           f"other replica holds the lock after {takeover:.1f} s; "
           f"outbox written after the kill published {drained:.1f} s after it")

    with engine.connect() as conn:
        ids = {row[0] for row in conn.execute(text("SELECT event_id FROM outbox"))}
    topic = harness.settings.topic("goals.events")
    published = read_until(kafka_broker.bootstrap, topic,
                           lambda records: ids <= {_ce_id(r) for r in records})
    assert ids <= {_ce_id(r) for r in published}


def test_every_service_runs_its_scheduled_jobs_through_job_leases(postgres_server, kafka_broker,
                                                                topic_prefix):
    url = postgres_server.create_database(f"leases_{topic_prefix.strip('.')}")
    for service in ("goals", "checkins", "notifications"):
        config = importlib.import_module(f"services.{service}.config")
        settings = config.load(service_env(service, url, kafka_broker.bootstrap, topic_prefix))
        container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
        worker = container.worker()
        jobs = {job.name for job in container.jobs()} | {"messaging-retention"}
        assert isinstance(worker.ticks, JobLeases), service
        assert jobs <= set(worker.loops), service
        container.engine.dispose()


def test_a_scheduled_job_runs_once_per_tick_across_replicas_even_when_one_dies(postgres_server,
                                                                              topic_prefix):
    url = postgres_server.create_database(f"ticks_{topic_prefix.strip('.')}")
    interval = 0.5
    replicas = [Replica("jobs", {}, f"{topic_prefix}job{i}", module="tests.cluster.job_replica",
                        args=(url, f"job{i}", str(interval))) for i in (1, 2, 3)]
    engine = make_engine(url)
    try:
        # made once here: replicas creating it at once race in PostgreSQL's catalog (a unique
        # violation on pg_type), and a replica that died at start could not take over
        with engine.begin() as conn:
            conn.execute(text(RUNS_TABLE))
        for replica in replicas:
            replica.start()
        eventually(lambda: len(runs(engine)) >= 8, timeout=120, interval=0.2)
        assert all(replica.alive() for replica in replicas), [r.log for r in replicas]
        holder = runs(engine)[-1][0]
        victim = replicas[int(holder.removeprefix("job")) - 1]
        victim.kill()
        killed_at = max(tick for _, tick in runs(engine))
        eventually(lambda: any(tick > killed_at + 2 for _, tick in runs(engine)), timeout=120,
                   interval=0.2)
        survivors = {replica for replica, tick in runs(engine) if tick > killed_at}
        assert holder not in survivors and survivors
        ticks = Counter(tick for _, tick in runs(engine))
        assert [tick for tick, n in ticks.items() if n > 1] == [], "a tick ran twice"
    finally:
        for replica in replicas:
            replica.stop()
        engine.dispose()


def runs(engine) -> list[tuple[str, int]]:
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(
                text("SELECT replica, tick FROM job_runs_seen ORDER BY at"))]
    except SQLAlchemyError:  # the table appears with the first replica
        return []


def sessions(engine) -> set[str]:
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(text(
            "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"))}


def unsent(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()


def _ce_id(record) -> str:
    return dict(record.headers).get("ce_id", b"").decode()
