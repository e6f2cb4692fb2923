"""Reads answered from a web process's memory, dropped as soon as the database changes.

Answering a goal GET cost a web process about a millisecond of Python around two statements,
most of it the database machinery rather than the goal (bench/results/profile.md). A
`ReadCache` keeps each answered read (a response's bytes, a caller's standing) in the process,
stamped with the generation of the team it belongs to. It never asks the database whether an
entry is still good; the database tells it:

- PostgreSQL: a row trigger on every table an answer is made of notifies `gk_changed_<service>`
  with the row's team when its transaction commits (`change_trigger_ddl`; a TRUNCATE or a change
  to a table without a team notifies `*`). `PostgresWatch` LISTENs on a connection of its own
  and, before any read is answered, takes in every notification that has reached it: a
  non-blocking read of its socket, no round trip. The server signals listeners before it
  returns the writer's COMMIT; a listening backend still has to be scheduled to send it, which
  is the one window in which another process's write may not be seen yet. A daemon thread
  applies notifications as they come between requests too, so an idle process never holds the
  server's notification queue.
- SQLite: `PRAGMA data_version` on a connection of its own moves whenever another connection
  commits (an in-process call); any change drops everything.
- A commit made by this process itself drops everything at once (an engine `commit` event), so
  a process reads its own writes without waiting for a notification.

An entry whose read a change overtook is not kept: `token()` is taken before the read, and `put`
keeps the entry only if no change of its team arrived since. While the watch has no connection,
nothing is answered from memory; once it listens again, everything kept before is dropped.
"""

from __future__ import annotations

import logging
import os
import select
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Protocol

import psycopg
from psycopg import pq
from sqlalchemy import DDL, Engine, Table, event

log = logging.getLogger(__name__)

ALL = "*"  # a notification that drops every team's entries
CAPACITY_BYTES = 32 * 1024 * 1024  # per process: about 500 pages of 50 goals, or 20,000 goals
ENTRY_OVERHEAD = 200  # bytes counted for an entry beside its size (key, token, bookkeeping)
RETRY_AFTER_S = 1.0  # between attempts to listen again after the connection was lost
DRAIN_EVERY_S = 1.0  # the longest an idle process leaves its notifications unread
# The LISTEN connection gives up connecting after 2 s (a request may be the one reconnecting),
# and TCP keepalives find a server gone silent (no reset) within about 25 s, so that a watch
# that can no longer hear is known as one.
LISTEN_CONNECTION = {"connect_timeout": 2, "keepalives": 1, "keepalives_idle": 10,
                     "keepalives_interval": 5, "keepalives_count": 3}

_commits = 0  # commits made by this process on any engine


@event.listens_for(Engine, "commit")
def _count_commit(_connection) -> None:
    global _commits
    _commits += 1


class Watch(Protocol):
    def changes(self) -> list[str] | None:
        """Teams changed since the last call (`ALL` for every team); None while it cannot
        tell, when nothing may be answered from memory."""

    def fileno(self) -> int | None:
        """A socket that becomes readable when changes arrive, if any."""

    def close(self) -> None: ...


Token = tuple[int, int]


class ReadCache:
    """An LRU of answers by key, each valid while its team's generation stands, holding at
    most `capacity` bytes (each entry counted as the size it was put with, plus overhead)."""

    def __init__(self, watch: Watch, capacity: int = CAPACITY_BYTES):
        self.watch = watch
        self.capacity = capacity
        self.size = 0
        self._entries: OrderedDict[Hashable, tuple[Token, object, int]] = OrderedDict()
        self._teams: dict[str, int] = {}
        self._everything = 0
        self._commits_seen = _commits
        self._lock = threading.Lock()
        self._drainer_pid: int | None = None
        self._closed = False

    def token(self, team_id: str) -> Token | None:
        """Take it before reading what `put` will keep; None when nothing may be kept now."""
        with self._lock:
            return self._current(team_id) if self._catch_up() else None

    def get(self, key: Hashable, team_id: str, default: object = None) -> object:
        with self._lock:
            if not self._catch_up():
                return default
            entry = self._entries.get(key)
            if entry is None:
                return default
            if entry[0] != self._current(team_id):
                self._remove(key)
                return default
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, team_id: str, value: object, token: Token | None, *,
            size: int = 0) -> None:
        size += ENTRY_OVERHEAD
        with self._lock:
            if token is None or not self._catch_up() or token != self._current(team_id):
                return
            if size > self.capacity:
                return
            self._remove(key)
            self._entries[key] = (token, value, size)
            self.size += size
            while self.size > self.capacity:
                self._remove(next(iter(self._entries)))

    def _remove(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.size -= entry[2]

    def __len__(self) -> int:
        return len(self._entries)

    def catch_up(self) -> None:
        with self._lock:
            self._catch_up()

    def close(self) -> None:
        """Keep nothing more and let go of the watch's connection (its drainer then ends)."""
        with self._lock:
            self._closed = True
            self._drop_everything()
            self.watch.close()

    def _current(self, team_id: str) -> Token:
        return self._everything, self._teams.get(team_id, 0)

    def _catch_up(self) -> bool:
        if self._closed:
            return False
        self._start_drainer()
        if self._commits_seen != _commits:
            self._commits_seen = _commits
            self._drop_everything()
        changed = self.watch.changes()
        if changed is None:
            self._drop_everything()
            return False
        for team_id in changed:
            if team_id == ALL:
                self._drop_everything()
            else:
                self._teams[team_id] = self._teams.get(team_id, 0) + 1
        return True

    def _drop_everything(self) -> None:
        self._everything += 1
        self._entries.clear()
        self.size = 0

    def _start_drainer(self) -> None:
        """One daemon thread per process (gunicorn forks after the app is built)."""
        if self._drainer_pid == os.getpid() or self.watch.fileno() is None:
            return
        self._drainer_pid = os.getpid()
        threading.Thread(target=self._drain, name="read-cache-drain", daemon=True).start()

    def _drain(self) -> None:
        while not self._closed:
            fileno = self.watch.fileno()
            try:
                if fileno is None:
                    time.sleep(DRAIN_EVERY_S)
                else:
                    select.select([fileno], [], [], DRAIN_EVERY_S)
            except (OSError, ValueError):  # the connection was replaced while waiting
                time.sleep(DRAIN_EVERY_S)
            self.catch_up()


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
            pgconn = self._connection.pgconn
            pgconn.consume_input()
            if pgconn.status != pq.ConnStatus.OK:
                raise psycopg.OperationalError("the server ended the LISTEN session")
            changed = []
            while (notification := pgconn.notifies()) is not None:
                changed.append(notification.extra.decode())
            return changed
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
            url = self.engine.url.set(drivername="postgresql")  # libpq's form, outside the pool
            connection = psycopg.connect(url.render_as_string(hide_password=False),
                                         autocommit=True, **LISTEN_CONNECTION)
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


def make_read_cache(engine: Engine, service: str) -> ReadCache | None:
    """A cache watching `engine`'s database; None where no watch can see every change (an
    in-memory SQLite database)."""
    if engine.dialect.name == "postgresql":
        return ReadCache(PostgresWatch(engine, change_channel(service)))
    path = engine.url.database
    if engine.dialect.name == "sqlite" and path and path != ":memory:":
        return ReadCache(SqliteWatch(path))
    return None


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
