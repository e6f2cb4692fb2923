"""The outbox and inbox stay bounded: every worker purges what the retention periods let go.
Every other purge (idempotency keys, refused Slack requests, Slack event ids) goes the same
way: a chunk of rows per transaction."""

from __future__ import annotations

import importlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import MetaData, event, func, insert, select

from services.checkins.service_layer.jobs import REJECTIONS_KEPT
from services.notifications.domain.slack_workspace import SLACK_EVENTS_KEPT
from shared import idempotency
from shared.bootstrap import Container
from shared.clock import ControlledClock
from shared.config import SERVICES, Settings
from shared.db import make_engine
from shared.messaging_tables import add_messaging_tables
from shared.retention import CHUNK
from tests.support.stack import scheduled_job

NOW = datetime.now(UTC)
DAY = timedelta(days=1)


class TinyContainer(Container):
    metadata = MetaData()
    outbox, inbox = add_messaging_tables(metadata, "goals")


def outbox_rows(n: int, created: datetime, sent: datetime | None) -> list[dict]:
    return [
        {
            "event_id": str(uuid.uuid4()),
            "topic": "goals.events",
            "key": "team",
            "event_type": "goal.progressed",
            "headers": "{}",
            "payload": "{}",
            "created_at": created,
            "sent_at": sent,
        }
        for _ in range(n)
    ]


def inbox_rows(n: int, processed: datetime) -> list[dict]:
    return [
        {"event_id": str(uuid.uuid4()), "event_type": "checkin.logged", "processed_at": processed}
        for _ in range(n)
    ]


def counts(engine) -> dict[str, int]:
    o, i = TinyContainer.outbox, TinyContainer.inbox
    with engine.connect() as conn:
        return {
            "sent": conn.execute(select(func.count()).where(o.c.sent_at.is_not(None))).scalar(),
            "unsent": conn.execute(select(func.count()).where(o.c.sent_at.is_(None))).scalar(),
            "oldest_sent": conn.execute(select(func.min(o.c.sent_at))).scalar(),
            "inbox": conn.execute(select(func.count()).select_from(i)).scalar(),
            "oldest_inbox": conn.execute(select(func.min(i.c.processed_at))).scalar(),
        }


@pytest.mark.slow
def test_after_100k_events_the_tables_hold_only_what_the_retention_keeps(db_url):
    settings = Settings.from_env(
        "goals",
        {
            "GOALS_DATABASE_URL": db_url,
            "GOALKEEPER_OUTBOX_RETENTION_DAYS": "7",
            "GOALKEEPER_INBOX_RETENTION_DAYS": "14",
        },
    )
    container = TinyContainer(settings)
    container.create_schema()
    engine = container.engine
    with engine.begin() as conn:
        conn.execute(
            insert(TinyContainer.outbox), outbox_rows(40_000, NOW - 30 * DAY, NOW - 8 * DAY)
        )
        conn.execute(insert(TinyContainer.outbox), outbox_rows(15_000, NOW - 2 * DAY, NOW - DAY))
        # Never published (a broker down for a month): old, but not sent, so never purged.
        conn.execute(insert(TinyContainer.outbox), outbox_rows(5_000, NOW - 30 * DAY, None))
        conn.execute(insert(TinyContainer.inbox), inbox_rows(30_000, NOW - 15 * DAY))
        conn.execute(insert(TinyContainer.inbox), inbox_rows(10_000, NOW - 13 * DAY))

    job = container.worker().loops["messaging-retention"].__self__  # the worker's own job
    purged = job.run()

    assert purged == (40_000, 30_000)
    left = counts(engine)
    assert (left["sent"], left["unsent"], left["inbox"]) == (15_000, 5_000, 10_000)
    assert left["oldest_sent"] >= NOW - 7 * DAY
    assert left["oldest_inbox"] >= NOW - 14 * DAY
    assert job.run() == (0, 0)  # a second tick finds nothing more to purge
    engine.dispose()


def test_the_purge_never_deletes_an_unsent_outbox_row(db_url):
    container = TinyContainer(
        Settings.from_env(
            "goals", {"GOALS_DATABASE_URL": db_url, "GOALKEEPER_OUTBOX_RETENTION_DAYS": "0"}
        )
    )
    container.create_schema()
    with container.engine.begin() as conn:
        conn.execute(insert(TinyContainer.outbox), outbox_rows(50, NOW - 365 * DAY, None))
        conn.execute(insert(TinyContainer.outbox), outbox_rows(50, NOW - DAY, NOW - DAY))

    assert container.purge_messaging_tables() == (50, 0)
    assert (counts(container.engine)["unsent"], counts(container.engine)["sent"]) == (50, 0)
    container.engine.dispose()


def test_retention_periods_come_from_the_environment_with_safe_defaults():
    defaults = Settings.from_env("goals", {})
    assert (defaults.outbox_retention_days, defaults.inbox_retention_days) == (7.0, 14.0)
    assert defaults.inbox_retention_days > 7  # above Kafka's default topic retention
    tuned = Settings.from_env(
        "goals",
        {"GOALKEEPER_OUTBOX_RETENTION_DAYS": "2", "GOALKEEPER_INBOX_RETENTION_DAYS": "30.5"},
    )
    assert (tuned.outbox_retention_days, tuned.inbox_retention_days) == (2.0, 30.5)


@pytest.mark.parametrize("service", SERVICES)
def test_every_services_worker_runs_the_retention_job(service, tmp_path):
    config = importlib.import_module(f"services.{service}.config")
    settings = config.load({f"{service.upper()}_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    assert "messaging-retention" in container.worker().loops


def test_the_purge_is_cheap_because_indexed():
    engine = make_engine("sqlite://")
    TinyContainer.metadata.create_all(engine)
    indexed = {
        (index.table.name, tuple(c.name for c in index.columns))
        for table in TinyContainer.metadata.tables.values()
        for index in table.indexes
    }
    assert {("outbox", ("sent_at",)), ("inbox", ("processed_at",))} <= indexed


@dataclass(frozen=True)
class Purge:
    """A worker's purge job, the table it keeps bounded and what it keeps."""

    service: str
    job: str
    table: str
    name: str  # a unique column the test names rows by
    time: str  # when a row was made, which its retention counts from
    kept: timedelta
    other_columns: dict


KEY_ROW = {"member_id": "m-1", "method": "POST", "path": "/v1/goals", "fingerprint": "f",
           "status": 201, "body": "{}"}
PURGES = [
    Purge("goals", "idempotency-purge", "idempotency_keys", "key", "created_at",
          idempotency.KEPT, KEY_ROW),
    Purge("checkins", "idempotency-purge", "idempotency_keys", "key", "created_at",
          idempotency.KEPT, KEY_ROW),
    Purge("checkins", "rejections-purge", "rejections", "request_id", "rejected_at",
          REJECTIONS_KEPT, {"team_id": "t-1", "member_id": "m-1", "reason": "not yours"}),
    Purge("notifications", "idempotency-purge", "idempotency_keys", "key", "created_at",
          idempotency.KEPT, KEY_ROW),
    Purge("notifications", "slack-events-purge", "slack_events", "event_id", "received_at",
          SLACK_EVENTS_KEPT, {"kind": "app_home_opened"}),
]


@pytest.mark.parametrize("purge", PURGES, ids=lambda p: f"{p.service}-{p.job}")
def test_a_purge_of_more_rows_than_one_chunk_deletes_them_all_a_chunk_per_transaction(
        purge, db_url):
    """These purges deleted every expired row in one statement: one long transaction holding
    its locks on a big table. Now a chunk at a time: every expired row goes, each transaction
    deletes at most a chunk, and the rows still within their retention stay, counted by name."""
    config = importlib.import_module(f"services.{purge.service}.config")
    settings = config.load({f"{purge.service.upper()}_DATABASE_URL": db_url})
    container = importlib.import_module(f"services.{purge.service}.bootstrap").bootstrap(
        settings, ControlledClock(NOW))
    container.create_schema()
    table = container.metadata.tables[purge.table]
    expired = [f"old-{n}" for n in range(CHUNK + 7)]
    unexpired = [f"new-{n}" for n in range(7)]
    with container.engine.begin() as conn:
        for names, at in ((expired, NOW - purge.kept - timedelta(minutes=1)),
                          (unexpired, NOW - purge.kept + timedelta(minutes=1))):
            conn.execute(insert(table), [{**purge.other_columns, purge.name: name,
                                          purge.time: at} for name in names])
    deleted_per_transaction: list[int] = []

    def begun(conn) -> None:
        deleted_per_transaction.append(0)

    def executed(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.startswith(f"DELETE FROM {purge.table}"):
            deleted_per_transaction[-1] += cursor.rowcount

    event.listen(container.engine, "begin", begun)
    event.listen(container.engine, "after_cursor_execute", executed)
    try:
        purged = scheduled_job(container, purge.job).run()
    finally:
        event.remove(container.engine, "begin", begun)
        event.remove(container.engine, "after_cursor_execute", executed)

    assert purged == len(expired)
    with container.engine.connect() as conn:
        left = set(conn.execute(select(table.c[purge.name])).scalars())
    assert left == set(unexpired)
    assert sum(deleted_per_transaction) == len(expired)
    assert max(deleted_per_transaction) <= CHUNK, deleted_per_transaction
    container.close()
