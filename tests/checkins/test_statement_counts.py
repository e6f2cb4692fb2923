"""Logging a check-in costs a bounded number of SQL statements (transaction control aside), on
both engines: a regression that reads or writes more per check-in fails here."""

from __future__ import annotations

import uuid

from shared.events.envelope import Event
from tests.support.batches import handle_batch, statements


def test_logging_a_checkin_takes_a_bounded_number_of_statements(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    world.checkin(goal, owner, value=1)
    with statements(checkins.container.engine) as seen:
        body = world.checkin(goal, owner, delta=1, note="bench")
    assert body["delta"] == 1
    # principal, goal, partners, check-in, schedule, owner, team, leads, outbox, wake-up
    assert len(seen) <= 10, seen


def test_a_batch_of_goal_events_reads_the_schedules_once(checkins, world):
    """As the consumer runs a batch: `prefetch` locks the batch's schedules in one statement,
    then no handler reads its schedule again, for goals new and known alike."""
    owner = world.member("Ola")
    known = [world.goal(owner, f"Known {i}") for i in range(5)]
    container = checkins.container
    events = [Event.new("goal.updated", world.team_id, {**world.goals[g], "title": "Renamed"},
                        subject=g, source="/goalkeeper/goals") for g in known]
    for i in range(5):
        data = {**world.goals[known[0]], "goal_id": str(uuid.uuid4()),
                "title": f"New {i}"}
        events.append(Event.new("goal.created", world.team_id, data, subject=data["goal_id"],
                                source="/goalkeeper/goals"))
    with statements(container.engine) as seen:
        handle_batch(container, events)
    seen = [s for s in seen if s.startswith("SELECT") and "goal_schedules" in s]
    assert len(seen) == 1, seen
    with container.reader() as uow:
        assert all(uow.schedules.get(e.data["goal_id"]) is not None for e in events)
