"""Tables every service has beside its own: the transactional outbox and the consumer inbox.

Both stay bounded: `purge_expired` (run hourly by every worker, a chunk per transaction:
`shared.retention`) deletes sent outbox rows older than the outbox retention and inbox ids older
than the inbox retention (see `shared.config` for why the inbox must outlive the topics'
retention). Unsent outbox rows are never purged.

On PostgreSQL an `outbox_wake` trigger notifies the service's relay (`LISTEN
gk_outbox_<service>`) once per inserting statement, delivered at commit: a writer spends no
statement of its own on the wake-up. `create_all` adds it after the table (tests), each
service's Alembic revision "outbox wake trigger" adds it to an existing database; both from
`wake_trigger_ddl`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import DDL, Column, Index, MetaData, String, Table, Text, event

from shared.db import BigId, UtcDateTime
from shared.retention import delete_chunk, purge_in_chunks

if TYPE_CHECKING:
    from shared.uow import UnitOfWork


def wake_channel(service: str) -> str:
    """The channel a service's relay listens on (one database per service)."""
    return f"gk_outbox_{service}"


def wake_trigger_ddl(service: str) -> list[str]:
    """PostgreSQL statements that make every insert into the outbox wake the relay at commit."""
    return [
        "CREATE OR REPLACE FUNCTION gk_outbox_wake() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify(TG_ARGV[0], ''); RETURN NULL; END $$",
        "CREATE TRIGGER outbox_wake AFTER INSERT ON outbox FOR EACH STATEMENT "
        f"EXECUTE FUNCTION gk_outbox_wake('{wake_channel(service)}')",
    ]


DROP_WAKE_TRIGGER = [
    "DROP TRIGGER IF EXISTS outbox_wake ON outbox",
    "DROP FUNCTION IF EXISTS gk_outbox_wake()",
]


def migrate_wake_trigger(op, service: str, *, add: bool = True) -> None:
    """An Alembic revision's body: add (or drop) the trigger on PostgreSQL; SQLite has none."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in wake_trigger_ddl(service) if add else DROP_WAKE_TRIGGER:
        op.execute(statement)


def outbox_table(metadata: MetaData, service: str) -> Table:
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
    for statement in wake_trigger_ddl(service):
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
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


def add_messaging_tables(metadata: MetaData, service: str) -> tuple[Table, Table]:
    return outbox_table(metadata, service), inbox_table(metadata)


def purge_expired(
    uow_factory: Callable[[], UnitOfWork],
    outbox: Table,
    inbox: Table,
    *,
    outbox_retention: timedelta,
    inbox_retention: timedelta,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Delete expired rows a chunk per transaction (`shared.retention`); returns (outbox, inbox)
    counts. `sent_at < cutoff` is false for an unsent row (NULL), so no unsent row is ever
    deleted."""
    now = now or datetime.now(UTC)
    sent = purge_in_chunks(uow_factory, lambda uow, limit: delete_chunk(
        uow.session, outbox.c.id, outbox.c.sent_at < now - outbox_retention, limit))
    seen = purge_in_chunks(uow_factory, lambda uow, limit: delete_chunk(
        uow.session, inbox.c.event_id, inbox.c.processed_at < now - inbox_retention, limit))
    return sent, seen
