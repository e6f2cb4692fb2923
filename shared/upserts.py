"""Write-behind upserts of read-model rows: one INSERT ... ON CONFLICT DO UPDATE per table.

A consumer keeps copies of other services' entities from events that carry the whole state, so
each such event is an upsert. `Upserts.add(obj)` queues the object's row instead of merging it
(a SELECT, then an INSERT or UPDATE, per event); the queue is written, one statement per table
and set of columns, before any statement that reads or writes a queued table (or one that
cannot be told), before an ORM flush that inserts a row referring to one, when a savepoint ends,
and at commit. An object already in the session is merged (no SQL), so the
session never holds a stale copy of a queued row. PostgreSQL and SQLite both take the dialects'
`insert(...).on_conflict_do_update`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.util import find_tables

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class Upserts:
    def __init__(self, session: Session):
        self.session = session
        self._rows: dict[Table, dict[tuple, dict[str, Any]]] = {}
        self._writing = False
        session.info["upserts"] = self

    def add(self, obj: object) -> object:
        """Queue `obj`'s row; returns the object to read it from (itself, or the session's)."""
        mapper = inspect(type(obj))
        key = mapper.identity_key_from_instance(obj)
        insert = INSERTS.get(self.session.get_bind().dialect.name)
        if insert is None or key in self.session.identity_map or len(mapper.tables) != 1:
            return self.session.merge(obj)
        state = obj.__dict__
        row = {column.key: state[prop.key] for prop in mapper.column_attrs
               for column in prop.columns if prop.key in state}
        self._rows.setdefault(mapper.local_table, {})[key[1]] = row
        return obj

    def write(self) -> None:
        """Write every queued row now."""
        if self._writing:
            return
        self._writing = True
        try:
            while self._rows:
                table, rows = self._rows.popitem()
                for columns, group in _by_columns(rows.values()).items():
                    self.session.execute(_statement(self.session, table, columns), group)
        finally:
            self._writing = False

    def discard(self) -> None:
        self._rows.clear()

    def close(self) -> None:
        """Stop watching the session (it may serve another unit of work after this one)."""
        self.discard()
        if self.session.info.get("upserts") is self:
            del self.session.info["upserts"]

    def _before_flush(self, session: Session) -> None:
        """Queued rows go first when a new ORM row refers to one of their tables."""
        if self._rows and any(fk.column.table in self._rows for obj in session.new
                              for fk in inspect(obj).mapper.local_table.foreign_keys):
            self.write()

    def _before_execute(self, state: ORMExecuteState) -> None:
        if not self._rows or self._writing:
            return
        touched = set(find_tables(state.statement, check_columns=True, include_joins=True,
                                  include_crud=True))
        if not touched or touched & self._rows.keys():
            self.write()  # unknown (text) or queued tables: the statement sees the rows


# Registered once for every session and dispatched to the session's queue, if it has one.
@event.listens_for(Session, "do_orm_execute")
def _write_before_executing(state: ORMExecuteState) -> None:
    upserts = state.session.info.get("upserts")
    if upserts is not None:
        upserts._before_execute(state)


@event.listens_for(Session, "before_flush")
def _write_before_flushing(session: Session, _flush_context, _instances) -> None:
    upserts = session.info.get("upserts")
    if upserts is not None:
        upserts._before_flush(session)


def upsert(session: Session, obj: object) -> object:
    """Queue `obj`'s row in the session's unit of work (merge it when there is none)."""
    upserts = session.info.get("upserts")
    return upserts.add(obj) if upserts is not None else session.merge(obj)


def _by_columns(rows) -> dict[tuple[str, ...], list[dict]]:
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


def _statement(session: Session, table: Table, columns: tuple[str, ...]):
    stmt = INSERTS[session.get_bind().dialect.name](table)
    keys = [c.key for c in table.primary_key.columns]
    changed = {c: stmt.excluded[c] for c in columns if c not in keys}
    if not changed:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(index_elements=keys, set_=changed)
