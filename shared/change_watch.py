"""How the database tells a web process's read cache (`shared.read_cache`) what changed.

- PostgreSQL: a row trigger on every table a kept read is made of notifies `gk_changed_<service>`
  with the row's team when its transaction commits (`change_trigger_ddl`; a TRUNCATE, or a change
  to a table without a team, notifies `*`). `PostgresWatch` LISTENs on a connection of its own
  and, whenever asked, takes in every notification that has reached it: a non-blocking read of
  its socket, no round trip. The server signals listeners before it returns the writer's
  COMMIT; a listening backend still has to be scheduled to send it on, which is the one window
  in which another process's write may not be seen yet.
- SQLite: `PRAGMA data_version` on a connection of its own moves whenever another connection
  commits (an in-process call); any change is reported as `*`.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from typing import Protocol

import psycopg
from psycopg import pq
from sqlalchemy import DDL, Engine, Table, event

log = logging.getLogger(__name__)

ALL = "*"  # a notification that drops every team's entries
RETRY_AFTER_S = 1.0  # between attempts to listen again after the connection was lost
# The LISTEN connection gives up connecting after 2 s (a request may be the one reconnecting),
# and TCP keepalives find a server gone silent (no reset) within about 25 s, so that a watch
# that can no longer hear is known as one.
LISTEN_CONNECTION = {"connect_timeout": 2, "keepalives": 1, "keepalives_idle": 10,
                     "keepalives_interval": 5, "keepalives_count": 3}


def listening_connection(engine: Engine) -> psycopg.Connection:
    """A connection to `engine`'s database of its own, outside its pool, in autocommit, with
    `LISTEN_CONNECTION`'s timeout and keepalives: what a LISTEN is made on."""
    url = engine.url.set(drivername="postgresql")  # libpq's form
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True,
                           **LISTEN_CONNECTION)


def arrived(connection: psycopg.Connection) -> list[str]:
    """The payloads of the notifications that reached `connection`: a non-blocking read of its
    socket, no round trip. Raises when the server ended the session."""
    pgconn = connection.pgconn
    pgconn.consume_input()
    if pgconn.status != pq.ConnStatus.OK:
        raise psycopg.OperationalError("the server ended the LISTEN session")
    payloads = []
    while (notification := pgconn.notifies()) is not None:
        payloads.append(notification.extra.decode())
    return payloads


class Watch(Protocol):
    def changes(self) -> list[str] | None:
        """Teams changed since the last call (`ALL` for every team); None while it cannot
        tell, when nothing may be answered from memory."""

    def fileno(self) -> int | None:
        """A socket that becomes readable when changes arrive, if any."""

    def close(self) -> None: ...


class PostgresWatch:
    """LISTENs on `channel` on a connection taken out of `engine`'s pool for good."""

    def __init__(self, engine: Engine, channel: str):
        self.engine, self.channel = engine, channel
        self._connection = None
        self._pid: int | None = None
        self._retry_at = 0.0
        self._no_triggers = False

    def changes(self) -> list[str] | None:
        if self._no_triggers:
            return None
        if self._connection is None or self._pid != os.getpid():
            return self._listen()
        try:
            return arrived(self._connection)
        except Exception:  # the server ended the session: answer from the database meanwhile
            log.warning("read cache: lost its LISTEN connection; reading from the database "
                        "until it listens again", exc_info=True)
            self.close()
            return None

    def fileno(self) -> int | None:
        return None if self._connection is None else self._connection.pgconn.socket

    def _listen(self) -> list[str] | None:
        self._connection = None  # one inherited from a parent process is the parent's
        if time.monotonic() < self._retry_at:
            return None
        self._retry_at = time.monotonic() + RETRY_AFTER_S
        try:
            connection = listening_connection(self.engine)
            if not connection.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'gk_changed' "
                                      "LIMIT 1").fetchone():
                log.warning("read cache: the database has no change triggers (migrations not "
                            "run?); every read goes to the database")
                self._no_triggers = True
                connection.close()
                return None
            connection.execute(f"LISTEN {self.channel}")
        except Exception:
            log.warning("read cache: cannot LISTEN; reading from the database meanwhile",
                        exc_info=True)
            return None
        self._connection, self._pid = connection, os.getpid()
        return [ALL]  # whatever was kept before listening may have changed unseen

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            try:
                self._connection.close()
            except Exception:  # already gone
                log.debug("read cache: closing its LISTEN connection failed", exc_info=True)
        self._connection = None


class SqliteWatch:
    """`PRAGMA data_version` of the database file, on a connection of its own."""

    def __init__(self, path: str):
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._pid: int | None = None
        self._version: int | None = None

    def changes(self) -> list[str]:
        if self._connection is None or self._pid != os.getpid():
            self._connection = sqlite3.connect(self.path, check_same_thread=False)
            self._pid, self._version = os.getpid(), None
        version = self._connection.execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return []
        self._version = version
        return [ALL]

    def fileno(self) -> None:
        return None

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None


def change_channel(service: str) -> str:
    return f"gk_changed_{service}"


CHANGE_FUNCTION = (
    "CREATE OR REPLACE FUNCTION gk_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_LEVEL = 'STATEMENT' THEN PERFORM pg_notify(TG_ARGV[0], '*'); "
    "ELSIF TG_OP = 'DELETE' THEN PERFORM pg_notify(TG_ARGV[0], OLD.team_id); "
    "ELSE PERFORM pg_notify(TG_ARGV[0], NEW.team_id); END IF; RETURN NULL; END $$"
)


def change_trigger_ddl(service: str, table: str, *, by_team: bool) -> list[str]:
    """PostgreSQL statements making every change to `table` notify the service's read caches
    at commit: with the row's team_id when `by_team`, else `*`; a TRUNCATE always `*`.
    Identical notifications of one transaction reach a listener once."""
    channel = change_channel(service)
    level = "ROW" if by_team else "STATEMENT"
    return [
        CHANGE_FUNCTION,
        f"CREATE TRIGGER gk_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH {level} EXECUTE FUNCTION gk_changed('{channel}')",
        f"CREATE TRIGGER gk_truncated AFTER TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION gk_changed('{channel}')",
    ]


def drop_change_trigger_ddl(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS gk_changed ON {table}",
            f"DROP TRIGGER IF EXISTS gk_truncated ON {table}"]


def watch_changes(service: str, by_team: Iterable[Table], whole: Iterable[Table]) -> None:
    """`create_all` (tests) adds the triggers after each table; a service's Alembic revision
    adds them to an existing database (`migrate_change_triggers`)."""
    for tables, team in ((by_team, True), (whole, False)):
        for table in tables:
            for statement in change_trigger_ddl(service, table.name, by_team=team):
                event.listen(table, "after_create", DDL(statement).execute_if(
                    dialect="postgresql"))


def migrate_change_triggers(op, service: str, by_team: Iterable[str], whole: Iterable[str], *,
                            add: bool = True) -> None:
    """An Alembic revision's body: add (or drop) the triggers on PostgreSQL; SQLite has none."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for tables, team in ((by_team, True), (whole, False)):
        for table in tables:
            for statement in (change_trigger_ddl(service, table, by_team=team) if add
                              else drop_change_trigger_ddl(table)):
                op.execute(statement)
    if not add:
        op.execute("DROP FUNCTION IF EXISTS gk_changed()")
