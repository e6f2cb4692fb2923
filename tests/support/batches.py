"""A poll's batch of events run through a service as its consumer's bulk pass runs it (no
broker), and the SQL statements a block of code costs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` runs in the block (transaction control aside), one line each."""
    with _executed(engine, lambda line, context: line) as seen:
        yield seen


@contextmanager
def transactions(engine: Engine) -> Iterator[list[int]]:
    """The transactions `engine` begins in the block, one entry each (its connection's id)."""
    seen: list[int] = []

    def begun(conn) -> None:
        seen.append(id(conn))

    event.listen(engine, "begin", begun)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begun)


@contextmanager
def cache_hits(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """The statements of `statements`, each with where SQLAlchemy took its compiled form from
    (`CacheStats.CACHE_HIT`: from its cache)."""
    with _executed(engine, lambda line, context: (line, context.cache_hit)) as seen:
        yield seen


@contextmanager
def _executed(engine: Engine, keep: Callable[[str, object], object]) -> Iterator[list]:
    seen: list = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(keep(" ".join(statement.split()), context))

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
