"""A relay or a job replica that lets go of its advisory lock really lets go of it.

The lock belongs to the PostgreSQL session. Handing the connection back to the pool kept the
session, and the lock with it: another replica could never take over while the first lived,
and the first got it back only when its pool happened to hand out that same connection (a
worker restarted in-process once waited over a minute to publish)."""

from __future__ import annotations

from sqlalchemy import MetaData

from shared.config import Settings
from shared.db import make_engine
from shared.messaging_tables import outbox_table
from shared.outbox import OutboxRelay, make_waker
from shared.worker import JobLeases


def relay(url: str) -> OutboxRelay:
    settings = Settings(service="goals", database_url=url, port=0)
    return OutboxRelay(make_engine(url), outbox_table(MetaData(), "goals"), lambda: None,
                       make_waker(settings), settings)


def test_a_relay_that_steps_down_lets_another_lead(pg_url):
    first, second = relay(pg_url), relay(pg_url)
    try:
        assert first._is_leader()
        assert not second._is_leader()
        first._reset_leader()  # as after a failed publish
        assert second._is_leader()
        assert not first._is_leader()
    finally:
        for r in (first, second):
            r._reset_leader()
            r.engine.dispose()


def test_a_job_replica_that_drops_its_leases_lets_another_run_the_job(pg_url):
    one, other = JobLeases(make_engine(pg_url), "goals"), JobLeases(make_engine(pg_url), "goals")
    try:
        assert one._ask("health")[0]
        assert not other._ask("health")[0]
        one.close()
        assert other._ask("health")[0]
    finally:
        one.close()
        other.close()
        one.engine.dispose()
        other.engine.dispose()
