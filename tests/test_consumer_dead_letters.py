"""A poison record is dead-lettered once, even when its batch's database commit fails."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert

from tests.support.consumer_rig import children, rig_on
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
def rig(db_url, kafka_broker, topic_prefix):
    with rig_on(db_url, kafka_broker.bootstrap, topic_prefix) as rig:
        yield rig


def invalid_event(poison_id: str) -> tuple[bytes, list]:
    """A CloudEvent whose data breaks the catalogue's schema: invalid, never retried."""
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", poison_id.encode()),
        ("ce_source", b"/elsewhere"),
        ("ce_type", b"checkin.logged"),
        ("ce_teamid", b"team-poison"),
    ]
    return b'{"goal_id": 1}', headers


@pytest.mark.parametrize("poison", ["schema-invalid", "handler-always-fails"])
def test_a_failed_batch_commit_after_a_poison_record_dead_letters_it_once(rig, poison):
    failing_commit: list[str] = []
    good, breaker = rig.event("team-good"), rig.event("team-breaker")
    bad = rig.event("team-poison")

    def handle(event, uow):
        if event.team_id == "team-poison":
            raise ValueError("a handler bug")
        if event.id == breaker.id and not failing_commit:
            failing_commit.append(event.id)  # a row the database refuses at COMMIT, once
            uow.session.execute(insert(children).values(parent_id=404))
        rig.record(event, uow)

    if poison == "schema-invalid":
        poison_id = str(uuid.uuid4())
        rig.produce_raw(*invalid_event(poison_id), partition=0)
    else:
        poison_id = bad.id
        rig.produce(bad, partition=0)
    rig.produce(breaker, partition=0)  # same partition, after the poison: one batch
    rig.produce(good, partition=0)

    runner = rig.runner(handle, max_attempts=1, backoff_base=0.05)
    with rig.running(runner):
        eventually(lambda: {breaker.id, good.id} <= set(rig.handled_ids()), timeout=90)
        eventually(lambda: runner.stats.dead_lettered >= 1, timeout=60)

    assert failing_commit, "the batch commit never failed: the test proved nothing"
    assert runner.stats.retries >= 1
    dead = rig.dead_letters(expected=2)
    assert [dict(r.headers)["ce_id"].decode() for r in dead] == [poison_id]
