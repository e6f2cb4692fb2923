"""A record that must be retried stalls its own partition, never the worker."""

from __future__ import annotations

import threading

import pytest

from shared.consumer import RetryLater
from tests.support.consumer_rig import rig_on
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

WAVES = 5
RETRY_S = 5.0  # far longer than the waves take (under a second on 2 idle cores)


@pytest.fixture
def rig(db_url, kafka_broker, topic_prefix):
    with rig_on(db_url, kafka_broker.bootstrap, topic_prefix) as rig:
        yield rig


def test_a_record_waiting_to_be_retried_does_not_hold_back_the_other_partitions(rig):
    stuck = rig.event("team-waiting-for-its-goal")
    release = threading.Event()
    attempts: list[str] = []

    def handle(event, uow):
        if event.id == stuck.id and not release.is_set():
            attempts.append(event.id)
            raise RetryLater("its goal is not known yet")
        rig.record(event, uow)

    # A long retry time: a loop that sleeps through it handles one wave per retry of `stuck`.
    runner = rig.runner(handle, backoff_base=RETRY_S, backoff_max=RETRY_S)
    rig.produce(stuck, partition=0)
    with rig.running(runner):
        eventually(lambda: attempts, timeout=60)
        others = []
        for wave in range(WAVES):
            events = [rig.event(f"team-{wave}-{i}") for i in range(4)]
            for i, event in enumerate(events):
                rig.produce(event, partition=1 + i % 2)
            others += [event.id for event in events]
            wanted = set(others)
            eventually(lambda: wanted <= set(rig.handled_ids()), timeout=60)  # noqa: B023

        assert stuck.id not in rig.handled_ids()
        # All waves went through while `stuck` waited for its first retry (or its second, on a
        # slow machine); a worker that sleeps on a retry needs a retry of `stuck` per wave.
        assert len(attempts) <= 2 < WAVES
        release.set()
        eventually(lambda: stuck.id in rig.handled_ids(), timeout=60)

    handled = rig.handled_ids()
    assert handled[-1] == stuck.id and sorted(handled[:-1]) == sorted(others)
