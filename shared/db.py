"""Engines and sessions. One database per service; SQLite for local runs, PostgreSQL otherwise."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TypeVar

from sqlalchemy import (
    BigInteger,
    Connection,
    DateTime,
    Engine,
    Integer,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from shared.json_codec import loads as json_loads

T = TypeVar("T")

# An autoincrementing 64-bit key on PostgreSQL that is still SQLite's ROWID alias.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UtcDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed out (a
# server restart, an idle timeout or a dropped route shows there, and the pool replaces it
# unseen). One in steady use is not: a ping on every checkout was a round trip per
# transaction. A connection that died while in use fails its statement once; SQLAlchemy then
# invalidates the whole pool and the request is answered 503 (retryable, `shared.problems`).
PING_AFTER_IDLE_S = 10.0


# The SQLSTATEs of a transaction PostgreSQL ended because it met another at the same moment: a
# deadlock (40P01) or a serialization failure (40001). The database is up; run again, the
# change goes through or is refused for what it then finds.
MET_ANOTHER_CHANGE = frozenset({"40P01", "40001"})


def met_another_change(error: BaseException) -> bool:
    """Whether `error` ended its transaction because it met another change at the same moment
    (`MET_ANOTHER_CHANGE`), not because the database could not be reached."""
    return isinstance(error, DBAPIError) and \
        getattr(error.orig, "sqlstate", None) in MET_ANOTHER_CHANGE


def written_first(session: Session, write: Callable[[], object]) -> bool:
    """Run `write` in a savepoint, written at once: True when it was written; False when a
    unique key refused it (a copy of the same request wrote it first, perhaps one that committed
    meanwhile: the key decides), the savepoint undone and the transaction going on."""
    try:
        with session.begin_nested():
            write()
    except IntegrityError:
        return False
    return True


def make_engine(url: str, *, pool_size: int = 5,
                ping_after_idle: float = PING_AFTER_IDLE_S) -> Engine:
    if url.startswith("sqlite"):
        ensure_sqlite_dir(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               json_deserializer=json_loads)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(url, pool_size=pool_size, max_overflow=10, json_deserializer=json_loads)
    ping_when_idle(engine, ping_after_idle)
    return engine


def ping_when_idle(engine: Engine, after: float) -> None:
    """Pessimistic disconnect handling, only for connections idle longer than `after` s."""

    def checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    def checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since <= after:
            return  # new, or in steady use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool discards this one and checks out another
            raise DisconnectionError(f"pooled connection failed its ping: {exc}") from exc

    event.listen(engine.pool, "checkin", checked_in)
    event.listen(engine.pool, "checkout", checkout)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def end_session(connection: Connection) -> None:
    """Close `connection` for good instead of handing it back to the pool, so the server ends
    its session and with it the session's advisory locks and LISTENs (a pooled connection
    would keep holding both for whoever checks it out next). The locks are released first, in
    a round trip: the server ends a closed session a moment later, and another replica asking
    for a lock in that moment would be refused."""
    try:
        if connection.dialect.name == "postgresql":
            with contextlib.suppress(SQLAlchemyError):  # a connection already gone holds none
                connection.exec_driver_sql("SELECT pg_advisory_unlock_all()")
        connection.invalidate()
    finally:
        connection.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def ensure_sqlite_dir(url: str) -> None:
    if not url.startswith("sqlite"):
        return
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    # A writer takes the write lock up front: two processes never deadlock upgrading read
    # locks. A reader (an engine made by `read_only`) begins deferred and never queues behind
    # writers: in WAL mode it reads the last committed snapshot.
    if connection.get_execution_options().get("read_only"):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that only read."""
    return engine.execution_options(read_only=True)


def map_once(registry, mappings) -> None:
    """Map plain domain classes onto their tables, once per process (a service may be built
    several times, e.g. in tests)."""
    if registry.mappers:
        return
    for cls, table in mappings:
        registry.map_imperatively(cls, table)


def prebuilt(build: Callable[..., T]) -> Callable[..., T]:
    """A statement builder run once per process and per argument (a shape of request): the
    statement is then executed with its values bound. Building and cache-keying a statement
    again for every request cost more than running it. Mappers are set up once per process
    (`map_once`), so a statement built over mapped classes stays valid."""
    return cache(build)
