"""On PostgreSQL the outbox wakes its relay by itself: the `outbox_wake` trigger notifies the
relay's channel once per inserting statement, delivered at commit. A relay on another host (its
datagram socket out of the writer's reach) is woken by that alone, without the writer spending
a statement of its own on it."""

from __future__ import annotations

import socket
import threading

from sqlalchemy import MetaData, event
from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db import make_engine
from shared.events.envelope import Event
from shared.messaging_tables import outbox_table
from shared.outbox import OutboxRelay, OutboxWriter
from shared.waker import Waker
from shared.worker import Stop
from tests.support.waiting import eventually


def test_an_outbox_insert_wakes_a_relay_on_another_host_at_commit(pg_url, tmp_path):
    settings = Settings(service="checkins", database_url=pg_url, port=0)
    metadata = MetaData()
    table = outbox_table(metadata, settings.service)
    engine = make_engine(pg_url)
    metadata.create_all(engine)
    relay = OutboxRelay(make_engine(pg_url), table, lambda: None,
                        Waker(tmp_path / "elsewhere.sock"), settings)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_a: statements.append(statement))
    try:
        assert relay._is_leader()  # LISTENs on the service's channel
        assert not relay.waker.wait(0.2)
        with Session(engine) as session:
            events = [Event("checkin.logged", "team-1", {"n": i}) for i in range(3)]
            OutboxWriter(table, settings).add(session, events)
            assert not relay.waker.wait(0.5)  # not before the commit
            session.commit()
        assert relay.waker.wait(10.0)
        listener = relay._leader.connection.dbapi_connection
        received = list(listener.notifies(timeout=0.5, stop_after=10))
        # one for the three rows: the trigger fires per statement (and PostgreSQL folds a
        # transaction's equal notifications)
        assert [n.channel for n in received] == ["gk_outbox_checkins"]
        assert not relay.waker.wait(0.2)
        assert [s.split()[0] for s in statements] == ["INSERT"]  # no wake-up statement
    finally:
        relay._reset_leader()
        relay.engine.dispose()
        engine.dispose()


WOKEN_WITHIN_S = 30.0  # a wait returns as soon as its datagram is there: a bound, not a figure
STOPPED_WITHIN_S = 60.0  # far below the relay's hour-long poll, far above a loaded host's pause


def test_every_loop_on_the_host_is_woken_and_a_killed_ones_socket_is_cleared(tmp_path):
    """Two worker processes on one host (replicas, or a restart overlapping the old one): the
    second loop's socket replaced the first's, so the first was woken by nothing but its
    timeout until it restarted. Each loop binds a socket of its own; a writer wakes them all,
    and removes the socket a killed loop left behind."""
    base = tmp_path / "gk-outbox-test.sock"
    first, second, writer = Waker(base), Waker(base), Waker(base)
    first.listen()
    second.listen()
    killed = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # bound, then its process died
    left_behind = first.folder / "999999-dead"
    killed.bind(str(left_behind))
    killed.close()
    try:
        writer.nudge()
        assert (first.wait(WOKEN_WITHIN_S), second.wait(WOKEN_WITHIN_S)) == (True, True)
        assert not left_behind.exists()
        second.close()
        writer.nudge()
        assert first.wait(WOKEN_WITHIN_S)
        assert len(list(first.folder.iterdir())) == 1  # the first's own
    finally:
        for waker in (first, second, writer):
            waker.close()


def test_a_relay_asleep_on_its_waker_ends_at_once_when_its_worker_stops(tmp_path):
    """SIGTERM sets the worker's `Stop`: a relay asleep for its whole poll (an hour here) wakes
    on it, rather than at its next look at the flag."""
    settings = Settings(service="checkins", database_url=f"sqlite:///{tmp_path / 'c.db'}", port=0)
    metadata = MetaData()
    table = outbox_table(metadata, settings.service)
    engine = make_engine(settings.database_url)
    metadata.create_all(engine)
    relay = OutboxRelay(engine, table, lambda: None, Waker(tmp_path / "relay.sock"), settings,
                        poll_interval=3600)
    stop = Stop()
    loop = threading.Thread(target=relay.run, args=(stop,), daemon=True)
    try:
        loop.start()
        eventually(lambda: relay.waker.folder.is_dir() and any(relay.waker.folder.iterdir()),
                   timeout=30)  # listening
        stop.set()
        loop.join(STOPPED_WITHIN_S)
        assert not loop.is_alive()
    finally:
        stop.set()
        loop.join(STOPPED_WITHIN_S)
        engine.dispose()
