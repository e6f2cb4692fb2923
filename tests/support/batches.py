"""A poll's batch of events run through a service as its consumer's bulk pass runs it (no
broker), and the SQL statements a block of code costs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` runs in the block (transaction control aside), one line each."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def handle_batch(container, events: list) -> None:
    """One unit of work for the whole batch, its prefetch first, then each handler in turn."""
    with container.uow() as uow:
        container.prefetch(events, uow)
        handlers = container.handlers()
        for item in events:
            handlers[item.type](item, uow)
        uow.commit()
