"""Reads answered from a web process's memory, dropped as soon as the database changes.

Answering a goal GET cost a web process about a millisecond of Python around two statements,
most of it the database machinery rather than the goal (bench/results/flames). A `ReadCache`
keeps each answered read (a response's bytes, a caller's standing) in the process, stamped with
the generation of the team it belongs to. It never asks the database whether an entry is still
good; the database tells it, through a watch (`shared.change_watch`: PostgreSQL notifications
from row triggers, or SQLite's data_version), which it consults before answering anything.

A commit made by this process itself drops everything at once (an engine `commit` event), so a
process reads its own writes without waiting for the database to tell it. An entry whose read a
change overtook is not kept: `token()` is taken before the read, and `put` keeps the entry only
if no change of its team arrived since. While the watch cannot hear, nothing is answered from
memory; once it hears again, everything kept before is dropped.
"""

from __future__ import annotations

import os
import select
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

from sqlalchemy import Engine, event

from shared.change_watch import ALL, PostgresWatch, SqliteWatch, Watch, change_channel

# Per process: about 370 pages of 50 goals, or 8,500 goals. A worker's resident size grows by
# more than what its entries count (the allocator's own overhead and fragmentation: 1.1 to 1.7
# times over runs of bench.memory's full kept reads at 16, 24 and 32 MiB), and the 150 MiB
# target holds at this bound (the memory table's row with the kept reads full).
CAPACITY_BYTES = 24 * 1024 * 1024
# Counted for an entry beside its body: what else it keeps alive (its key, the ETag, its token,
# the table's slot), about 1 KB each in tests/goals/test_read_cache.py's count, with a margin.
ENTRY_OVERHEAD = 1280
DRAIN_EVERY_S = 1.0  # the longest an idle process leaves its notifications unread

_commits = 0  # commits made by this process on any engine


@event.listens_for(Engine, "commit")
def _count_commit(_connection) -> None:
    global _commits
    _commits += 1


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
        """A new `_everything` makes every earlier token stale, so the teams' generations can
        start again (the map of teams heard of does not grow for the life of the process)."""
        self._everything += 1
        self._entries.clear()
        self._teams.clear()
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


def make_read_cache(engine: Engine, service: str) -> ReadCache | None:
    """A cache watching `engine`'s database; None where no watch can see every change (an
    in-memory SQLite database)."""
    if engine.dialect.name == "postgresql":
        return ReadCache(PostgresWatch(engine, change_channel(service)))
    path = engine.url.database
    if engine.dialect.name == "sqlite" and path and path != ":memory:":
        return ReadCache(SqliteWatch(path))
    return None
