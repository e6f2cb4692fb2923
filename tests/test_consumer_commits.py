"""Offsets are committed about once a second, and always on close: the offset of the next record."""

from __future__ import annotations

import pytest

from tests.support.consumer_rig import PARTITIONS, rig_on
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

EVENTS = 300


@pytest.fixture
def rig(db_url, kafka_broker, topic_prefix):
    with rig_on(db_url, kafka_broker.bootstrap, topic_prefix) as rig:
        yield rig


def test_many_small_batches_share_few_commits_and_close_commits_the_next_offsets(rig):
    events = [rig.event() for _ in range(EVENTS)]
    for i, event in enumerate(events):
        rig.produce(event, partition=i % PARTITIONS)
    runner = rig.runner(rig.record, consumer_overrides={"max_poll_records": 5}, commit_interval=1.0)

    with rig.running(runner):
        eventually(lambda: len(rig.handled_ids()) == EVENTS, timeout=120)
    # Stopped as by SIGTERM: the last batches' offsets were committed on close.

    assert sorted(rig.handled_ids()) == sorted(e.id for e in events)
    assert runner.stats.batches >= EVENTS // 5
    assert runner.stats.commits * 4 <= runner.stats.batches
    last_handled_plus_one = {p: EVENTS // PARTITIONS for p in range(PARTITIONS)}
    assert rig.end_offsets() == last_handled_plus_one
    assert rig.committed_offsets() == last_handled_plus_one


def test_a_rebalance_commits_what_was_handled_without_restarting_the_consumer(rig):
    events = [rig.event() for _ in range(60)]
    for i, event in enumerate(events):
        rig.produce(event, partition=i % PARTITIONS)
    first = rig.runner(rig.record, commit_interval=3600.0)  # only a revocation commits
    made = []
    make_consumer = first.consumer_factory
    first.consumer_factory = lambda: made.append(1) or make_consumer()

    with rig.running(first):
        eventually(lambda: len(rig.handled_ids()) == len(events), timeout=120)
        assert rig.committed_offsets() == dict.fromkeys(range(PARTITIONS))  # none yet
        second = rig.runner(rig.record, commit_interval=3600.0)
        with rig.running(second):  # joining the group takes partitions from the first
            eventually(lambda: second._consumer is not None and second._consumer.assignment(),
                       timeout=60)
            # The first committed on revocation, before the second took over: nothing redone.
            assert rig.committed_offsets() == {p: len(events) // PARTITIONS
                                               for p in range(PARTITIONS)}
            assert second.stats.handled == 0 and second.stats.duplicates == 0
    assert len(made) == 1, "the first consumer was restarted by the rebalance"
    assert sorted(rig.handled_ids()) == sorted(e.id for e in events)
