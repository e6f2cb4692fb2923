"""Logging a check-in costs a bounded number of SQL statements (transaction control aside), on
both engines: a regression that reads or writes more per check-in fails here."""

from __future__ import annotations

from sqlalchemy import event

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
