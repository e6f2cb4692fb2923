"""A pooled PostgreSQL connection is pinged before reuse only after it sat idle.

A ping on every checkout was one more round trip per transaction; a connection in steady use
is handed out as it is, and one that died while idle is replaced before anyone sees it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from shared.db import make_engine


def backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(url: str, pid: int) -> None:
    """Kill the backend and wait until the server no longer lists it (a fixed pause could end
    before a loaded server has processed the signal)."""
    killer = make_engine(url)
    alive = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p")
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        deadline = time.monotonic() + 30
        while True:
            with killer.connect() as conn:
                if not conn.execute(alive, {"p": pid}).scalar():
                    break
            assert time.monotonic() < deadline, f"backend {pid} still listed after 30 s"
            time.sleep(0.05)
    finally:
        killer.dispose()
    time.sleep(0.1)  # longer than the first test's idle threshold


def test_a_connection_that_died_while_idle_is_replaced_unseen(pg_url):
    engine = make_engine(pg_url, pool_size=1, ping_after_idle=0.05)
    try:
        first = backend_pid(engine)
        terminate(pg_url, first)  # sleeps longer than the idle threshold
        assert backend_pid(engine) != first  # pinged, discarded, a new connection answered
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged(pg_url):
    engine = make_engine(pg_url, pool_size=1, ping_after_idle=3600)
    try:
        first = backend_pid(engine)
        terminate(pg_url, first)
        with pytest.raises(OperationalError):  # no ping: the dead connection was handed out
            backend_pid(engine)
        assert backend_pid(engine) != first  # the failure invalidated the pool
    finally:
        engine.dispose()
