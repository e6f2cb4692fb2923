"""Transactional outbox: events are rows written in the same commit as the state they describe.

`OutboxWriter.add` runs inside the unit of work's transaction. `OutboxRelay` publishes unsent
rows in id order with an idempotent `acks=all` producer, keyed by team, and marks them sent.
A broker outage only delays publication: rows stay unsent and the relay backs off and retries.
Delivery is at least once (a crash between publish and mark republishes); consumers dedupe
through their inbox. Sent rows are purged after a retention (`shared.messaging_tables`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, Table, column, insert, select, table, text, update
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db import UtcDateTime, end_session
from shared.events.envelope import Event, to_message
from shared.events.registry import lookup
from shared.messaging_tables import wake_channel
from shared.waker import Waker, socket_beside

if TYPE_CHECKING:
    from shared.worker import Stop

log = logging.getLogger(__name__)

# Waits of the relay, none of which a committed event sits through in the normal case:
# - a writer wakes the relay at its commit (a datagram on this host; across hosts the outbox's
#   trigger's NOTIFY, `shared.messaging_tables`),
#   so `IDLE_POLL_S` is only the safety net for a lost wake-up (a writer on another host with
#   SQLite, a notification dropped while the relay reconnected);
# - a waiting relay also watches `stop` (`shared.worker.Stop`): SIGTERM ends its wait at once;
# - the producer's linger (2 ms, `shared.kafka`) never applies: each batch ends with flush().
IDLE_POLL_S = 1.0


def make_waker(settings: Settings, database_url: str | None = None) -> Waker:
    """The waker of one database's outbox: writers and relay of the same database share it."""
    return Waker(socket_beside(database_url or settings.database_url, "outbox"))


class OutboxWriter:
    def __init__(self, table: Table, settings: Settings):
        self.table = table
        self.settings = settings

    def add(self, session: Session | Connection, events: list[Event]) -> None:
        if not events:
            return
        now = datetime.now(UTC)
        rows = [self._row(event, now) for event in events]
        session.execute(insert(self.table), rows)  # on PostgreSQL its trigger wakes the relay

    def _row(self, event: Event, now: datetime) -> dict:
        message = to_message(event)
        return {
            "event_id": event.id,
            "topic": self.settings.topic(lookup(event.type).topic),
            "key": event.team_id,
            "event_type": event.type,
            "headers": json.dumps({k: v.decode() for k, v in message.headers.items()}),
            "payload": message.value.decode(),
            "created_at": now,
        }


def publish_from_migration(bind: Connection, service: str,
                           events: list[tuple[str, str, dict, str]]) -> None:
    """An Alembic data migration's events, (type, team id, data, subject) each: validated
    against the catalogue and written to `service`'s outbox in the migration's transaction, as
    its unit of work writes them, for its relay to publish to the topics the environment names
    (`Settings.from_env`, read as `python -m shared.migrate` reads it)."""
    outbox = table("outbox", *(column(name) for name in (
        "event_id", "topic", "key", "event_type", "headers", "payload")),
                   column("created_at", UtcDateTime()))
    source = f"/goalkeeper/{service}"
    OutboxWriter(outbox, Settings.from_env(service)).add(bind, [
        Event.new(kind, team_id, data, subject=subject, source=source)
        for kind, team_id, data, subject in events])


class OutboxRelay:
    """Publishes the outbox; one active relay per database (elected by an advisory lock)."""

    def __init__(
        self,
        engine: Engine,
        table: Table,
        producer_factory: Callable[[], object],
        waker: Waker,
        settings: Settings,
        *,
        batch_size: int = 500,
        poll_interval: float = IDLE_POLL_S,
        max_backoff: float = 10.0,
    ):
        self.engine = engine
        # Its reads and its UPDATE are single statements: on PostgreSQL they run in autocommit,
        # one round trip each instead of BEGIN, the statement and COMMIT/ROLLBACK.
        self.statements = engine.execution_options(isolation_level="AUTOCOMMIT") if (
            engine.dialect.name == "postgresql") else engine
        self.table = table
        self.producer_factory = producer_factory
        self.waker = waker
        self.settings = settings
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self._producer = None
        self._leader = None
        self.published = 0

    def run(self, stop: Stop) -> None:
        self.waker.listen()
        backoff = 0.2
        try:
            while not stop.is_set():
                try:
                    sent = self.publish_pending()
                    backoff = 0.2
                except Exception as exc:  # broker or database trouble: keep the rows, retry later
                    log.warning("outbox relay: publish failed, retrying in %.1fs: %s", backoff, exc)
                    self._reset_producer()
                    self._reset_leader()
                    stop.wait(backoff)
                    backoff = min(backoff * 2, self.max_backoff)
                    continue
                if sent < self.batch_size:
                    self._wait(stop)
        finally:
            self.close()

    def publish_pending(self) -> int:
        """Publish one batch of unsent rows in id order; returns how many were published."""
        if not self._is_leader():
            return 0
        with self.statements.connect() as conn:
            rows = conn.execute(
                select(self.table)
                .where(self.table.c.sent_at.is_(None))
                .order_by(self.table.c.id)
                .limit(self.batch_size)
            ).all()
        if not rows:
            return 0
        producer = self._get_producer()
        futures = [
            producer.send(
                row.topic,
                key=row.key.encode(),
                value=row.payload.encode(),
                headers=[(k, v.encode()) for k, v in json.loads(row.headers).items()],
            )
            for row in rows
        ]
        producer.flush(timeout=30)
        delivered = []
        for row, future in zip(rows, futures, strict=True):
            if not future.succeeded():
                break  # keep order: everything from the first failure is retried
            delivered.append(row.id)
        self._mark_sent(delivered)
        if len(delivered) < len(rows):
            failure = futures[len(delivered)].exception
            raise RuntimeError(f"{len(rows) - len(delivered)} events not acknowledged: {failure}")
        return len(delivered)

    def close(self) -> None:
        self._reset_producer()
        self._reset_leader()
        self.waker.close()

    def _reset_leader(self) -> None:
        if self._leader is not None:
            self.waker.unwatch(self._leader.connection.dbapi_connection)
            try:
                end_session(self._leader)  # lets go of the lock: another relay may lead now
            except Exception:  # a connection to a restarted server is already gone
                log.debug("outbox relay: leader connection close failed", exc_info=True)
            self._leader = None

    def _mark_sent(self, ids: list[int]) -> None:
        if not ids:
            return
        with self.statements.begin() as conn:
            conn.execute(
                update(self.table).where(self.table.c.id.in_(ids)).values(sent_at=datetime.now(UTC))
            )
        self.published += len(ids)

    def _wait(self, stop: Stop) -> None:
        """Until woken, `stop` is set or `poll_interval` passes."""
        self.waker.wait(self.poll_interval, stop)
        if not stop.is_set():
            self._drain_notifications()

    def _is_leader(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        if self._leader is None:
            self._leader = self.engine.connect()
            channel = wake_channel(self.settings.service)
            key = int(hashlib.sha1(channel.encode()).hexdigest()[:15], 16)
            got = self._leader.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            self._leader.execute(text(f"LISTEN {channel}"))
            self._leader.commit()
            if not got:
                end_session(self._leader)  # not with a LISTEN left on a pooled connection
                self._leader = None
                return False
            self.waker.watch(self._leader.connection.dbapi_connection)
        return True

    def _drain_notifications(self) -> None:
        if self._leader is None:
            return
        dbapi = self._leader.connection.dbapi_connection
        for _ in dbapi.notifies(timeout=0, stop_after=1000):
            pass

    def _get_producer(self):
        if self._producer is None:
            self._producer = self.producer_factory()
        return self._producer

    def _reset_producer(self) -> None:
        if self._producer is not None:
            try:
                self._producer.close(timeout=1)
            except Exception:  # closing a producer whose broker is gone may raise; it is discarded
                log.debug("outbox relay: producer close failed", exc_info=True)
            self._producer = None
