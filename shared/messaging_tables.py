"""Tables every service has beside its own: the transactional outbox and the consumer inbox.

Both stay bounded: `purge_expired` (run hourly by every worker) deletes sent outbox rows older
than the outbox retention and inbox ids older than the inbox retention (see `shared.config` for
why the inbox must outlive the topics' retention). Unsent outbox rows are never purged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Column, Engine, Index, MetaData, String, Table, Text, delete, select

from shared.db import BigId, UtcDateTime


def outbox_table(metadata: MetaData) -> Table:
    table = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(64), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("headers", Text, nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UtcDateTime, nullable=False),
        Column("sent_at", UtcDateTime, nullable=True),
    )
    Index(
        "ix_outbox_unsent",
        table.c.id,
        postgresql_where=table.c.sent_at.is_(None),
        sqlite_where=table.c.sent_at.is_(None),
    )
    Index(
        "ix_outbox_sent_at",
        table.c.sent_at,
        postgresql_where=table.c.sent_at.is_not(None),
        sqlite_where=table.c.sent_at.is_not(None),
    )
    return table


def inbox_table(metadata: MetaData) -> Table:
    table = Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime, nullable=False),
    )
    Index("ix_inbox_processed_at", table.c.processed_at)
    return table


def add_messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    return outbox_table(metadata), inbox_table(metadata)


def purge_expired(
    engine: Engine,
    outbox: Table,
    inbox: Table,
    *,
    outbox_retention: timedelta,
    inbox_retention: timedelta,
    now: datetime | None = None,
    chunk: int = 5_000,
) -> tuple[int, int]:
    """Delete expired rows in short transactions of `chunk` rows; returns (outbox, inbox) counts.

    `sent_at < cutoff` is false for an unsent row (NULL), so no unsent row is ever deleted.
    """
    now = now or datetime.now(UTC)
    sent = _purge(engine, outbox, outbox.c.id, outbox.c.sent_at < now - outbox_retention, chunk)
    seen = _purge(
        engine, inbox, inbox.c.event_id, inbox.c.processed_at < now - inbox_retention, chunk
    )
    return sent, seen


def _purge(engine: Engine, table: Table, key, expired, chunk: int) -> int:
    total = 0
    while True:
        with engine.begin() as conn:
            batch = select(key).where(expired).limit(chunk)
            deleted = conn.execute(delete(table).where(key.in_(batch))).rowcount or 0
        total += deleted
        if deleted < chunk:
            return total
