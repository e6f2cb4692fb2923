"""A poll's batch is handled in bulk; when one record fails, the batch is redone record by record
and every event still has exactly one effect."""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert

from tests.support.consumer_rig import effects, rig_on
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

EVENTS = 40


@pytest.fixture
def rig(db_url, kafka_broker, topic_prefix):
    with rig_on(db_url, kafka_broker.bootstrap, topic_prefix) as rig:
        yield rig


@pytest.fixture
def statements(rig):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(" ".join(statement.split()).upper())

    event.listen(rig.engine, "before_cursor_execute", record)
    yield seen
    event.remove(rig.engine, "before_cursor_execute", record)


def test_a_batch_without_failures_takes_no_savepoint_and_one_inbox_insert(rig, statements):
    events = [rig.event() for _ in range(EVENTS)]
    for e in events:
        rig.produce(e, partition=0)
    runner = rig.runner(rig.count)
    with rig.running(runner):
        eventually(lambda: len(rig.tallied()) == EVENTS, timeout=90)

    assert rig.tallied() == {e.id: 1 for e in events}
    assert runner.stats.fallbacks == 0
    assert not [s for s in statements if s.startswith("SAVEPOINT")]
    inbox_inserts = [s for s in statements if s.startswith("INSERT INTO INBOX")]
    assert 1 <= len(inbox_inserts) == runner.stats.batches < EVENTS


def test_a_record_failing_in_the_database_sends_its_batch_record_by_record_once_each(rig):
    with rig.engine.begin() as conn:
        conn.execute(insert(effects).values(event_id="taken", team_id="t"))
    events = [rig.event() for _ in range(EVENTS)]
    breaker = events[EVENTS // 2]
    runs: dict[str, int] = {}

    def handle(e, uow):
        runs[e.id] = runs.get(e.id, 0) + 1
        rig.count(e, uow)
        if e.id == breaker.id and runs[e.id] == 1:  # the database refuses it, the first time
            uow.session.execute(insert(effects).values(event_id="taken", team_id="t"))

    for e in events:
        rig.produce(e, partition=0)  # one partition: one batch, in order
    runner = rig.runner(handle, backoff_base=0.05)
    with rig.running(runner):
        eventually(lambda: len(rig.tallied()) == EVENTS, timeout=90)

    assert runner.stats.fallbacks >= 1, "the bulk pass never failed: the test proved nothing"
    assert rig.tallied() == {e.id: 1 for e in events}  # the bulk pass's rows were rolled back
    assert runs[breaker.id] == 2  # failed once (in bulk, not run again in its fallback), then ok
    assert runner.stats.handled == EVENTS and runner.stats.dead_lettered == 0
