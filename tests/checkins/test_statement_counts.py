"""Logging a check-in costs a bounded number of SQL statements (transaction control aside), on
both engines: a regression that reads or writes more per check-in fails here."""

from __future__ import annotations

import uuid

from sqlalchemy import event

from shared.events.envelope import Event

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def test_logging_a_checkin_takes_a_bounded_number_of_statements(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    world.checkin(goal, owner, value=1)
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(statement)

    engine = checkins.container.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        body = world.checkin(goal, owner, delta=1, note="bench")
    finally:
        event.remove(engine, "before_cursor_execute", count)
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
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if "goal_schedules" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        with container.uow() as uow:
            container.prefetch(events, uow)
            handlers = container.handlers()
            for e in events:
                handlers[e.type](e, uow)
            uow.commit()
    finally:
        event.remove(container.engine, "before_cursor_execute", count)
    assert len(seen) == 1, seen
    with container.reader() as uow:
        assert all(uow.schedules.get(e.data["goal_id"]) is not None for e in events)
