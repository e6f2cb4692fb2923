"""Failed attempts are counted by the runner in a bounded map that forgets finished records."""

from __future__ import annotations

import dataclasses

import pytest

from shared.consumer import ConsumerStats, RetryAttempts
from tests.support.consumer_rig import rig_on
from tests.support.waiting import eventually


def test_the_attempts_map_keeps_only_the_most_recently_failed_records():
    attempts = RetryAttempts(limit=3)
    for key in ("a", "b", "c"):
        attempts.failed(key)
    assert attempts.failed("a") == 2  # "a" is now the most recent
    attempts.failed("d")  # over the bound: the least recently failed ("b") is forgotten

    assert len(attempts) == 3
    assert "b" not in attempts and {"a", "c", "d"} == {k for k in "acd" if k in attempts}
    assert attempts.failed("b") == 1  # counting starts over for a forgotten record
    attempts.forget("a")
    assert "a" not in attempts


def test_statistics_hold_no_control_state():
    assert "attempts" not in {f.name for f in dataclasses.fields(ConsumerStats)}


@pytest.fixture
def rig(db_url, kafka_broker, topic_prefix):
    with rig_on(db_url, kafka_broker.bootstrap, topic_prefix) as rig:
        yield rig


@pytest.mark.slow
def test_records_are_forgotten_once_dead_lettered_or_handled(rig):
    poison = [rig.event("team-poison") for _ in range(4)]
    flaky = [rig.event("team-flaky") for _ in range(2)]
    failed_once: set[str] = set()

    def handle(event, uow):
        if event.team_id == "team-poison":
            raise ValueError("a handler bug")
        if event.id not in failed_once:
            failed_once.add(event.id)
            raise ValueError("fails the first time only")
        rig.record(event, uow)

    for i, event in enumerate(poison):
        rig.produce(event, partition=i % 2)
    for event in flaky:
        rig.produce(event, partition=2)
    runner = rig.runner(handle, max_attempts=3, backoff_base=0.05, backoff_max=0.2)
    with rig.running(runner):
        eventually(lambda: runner.stats.dead_lettered == 4, timeout=90)
        eventually(lambda: len(rig.handled_ids()) == 2, timeout=90)

    assert set(rig.handled_ids()) == {e.id for e in flaky}
    assert len(runner.attempts) == 0
    dead = rig.dead_letters(expected=5)
    assert sorted(dict(r.headers)["ce_id"].decode() for r in dead) == sorted(e.id for e in poison)
