"""An idle deliverer sleeps until a row becomes due by the clock, or until a commit anywhere
queues something to send: it does not look for due rows on a fixed interval. Each test runs
the real loop in a thread with a sleep cap (an hour) far beyond what any of them waits for
(WAIT_S): a delivery within the wait is one the loop was woken for, however slow the host."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine

from infra.kafka_broker import free_port
from services.notifications.bootstrap import bootstrap
from shared.waker import Notices
from tests.notifications.support import Team, checkin, delivering, handle, progressed
from tests.support.batches import statements, transactions
from tests.support.waiting import eventually

CAP_S = 3600.0
WAIT_S = 30.0


def due_queries(seen: list[str]) -> list[str]:
    """The deliverer's look for due rows (`Notifications.due`) among `seen`."""
    return [s for s in seen if "FROM notifications" in s and "next_attempt_at <=" in s]


def test_an_idle_deliverer_does_not_look_for_due_rows_while_none_can_be(notifications, team,
                                                                         slack):
    container = notifications.container
    container.deliverer.idle_cap = CAP_S
    team.channel(slack.webhook())
    with delivering(notifications):
        time.sleep(0.5)  # its first pass found nothing: it sleeps
        with statements(container.engine) as seen:
            time.sleep(2)
        logged = checkin(team.id, team.goal, team.ana, 5)  # and it is alive, and wakes
        handle(notifications, logged, progressed(logged, 0.05))
        eventually(lambda: len(slack.delivered()) == 1, timeout=WAIT_S)
    assert due_queries(seen) == []  # was one every 100 ms: about 20


@contextmanager
def worker_asleep(notifications, tmp_path, *, another_host: bool) -> Iterator[None]:
    """A worker of the service's database (as in another process) delivering, its loop asleep
    after a first pass that found nothing; `another_host`: the service's datagrams go
    nowhere, as from another host, so only PostgreSQL's NOTIFY can wake it."""
    worker = bootstrap(notifications.settings)
    worker.deliverer.idle_cap = CAP_S
    if another_host:
        notifications.container.delivery_waker.socket_path = tmp_path / "another-host.sock"
    try:
        with delivering(worker):
            time.sleep(0.5)  # its first pass found nothing: it sleeps
            yield
    finally:
        worker.close()


@pytest.mark.parametrize("wake_by", ["datagram", "notice"])
def test_a_test_message_queued_by_the_web_app_leaves_at_once(notifications, team, slack,
                                                             tmp_path, wake_by):
    """The web app's container queues the message; the worker's loop runs in another container
    of the same database (as in another process). `notice`: the web app's datagram goes
    nowhere, as from another host, and PostgreSQL's NOTIFY wakes the worker."""
    if wake_by == "notice" and notifications.container.engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; with SQLite the processes share a host")
    channel = team.channel(slack.webhook())
    with worker_asleep(notifications, tmp_path, another_host=wake_by == "notice"):
        queued = notifications.client.post(
            f"/v1/teams/{team.id}/channels/{channel['id']}/test", headers=team.auth())
        assert queued.status_code == 202, queued.json
        eventually(lambda: len(slack.delivered()) == 1, timeout=WAIT_S)  # not at the cap
    [entry] = team.log()
    assert entry["notification"]["id"] == queued.json["notification_id"]
    assert entry["notification"]["status"] == "sent"
    assert len(slack.delivered()) == 1


def test_the_web_apps_notice_to_the_worker_costs_no_transaction_of_its_own(notifications,
                                                                         team, slack, tmp_path):
    """On PostgreSQL the web app's notice to the deliverer ran in a transaction of its own
    after the request's commit: a second connection checkout and its round trips for each
    request that queued something to send. It is sent in the request's transaction now,
    delivered at its commit: one transaction, and the worker on another host still wakes."""
    if notifications.container.engine.dialect.name != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; with SQLite the processes share a host")
    channel = team.channel(slack.webhook())
    with worker_asleep(notifications, tmp_path, another_host=True):
        with transactions(notifications.container.engine) as begun:
            queued = notifications.client.post(
                f"/v1/teams/{team.id}/channels/{channel['id']}/test", headers=team.auth())
        assert queued.status_code == 202, queued.json
        eventually(lambda: len(slack.delivered()) == 1, timeout=WAIT_S)  # not at the cap
    assert len(begun) == 1, begun
    [entry] = team.log()
    assert entry["notification"]["id"] == queued.json["notification_id"]
    assert entry["notification"]["status"] == "sent"


def test_a_checkin_leaves_when_its_coalescing_window_ends_not_at_the_cap(make_service, slack):
    """Nothing wakes the loop when the window ends: it slept until then."""
    service = make_service("notifications", start_worker=False,
                           NOTIFICATIONS_COALESCE_QUIET_SECONDS="1")
    team = Team(service)
    team.channel(slack.webhook())
    service.container.deliverer.idle_cap = CAP_S
    with delivering(service):
        logged = checkin(team.id, team.goal, team.ana, 5)
        started = time.monotonic()
        handle(service, logged, progressed(logged, 0.05))
        eventually(lambda: len(slack.delivered()) == 1, timeout=WAIT_S)  # not at the cap
        took = time.monotonic() - started
    assert 0.9 <= took, f"delivered after {took:.1f} s, before its window ended"
    [entry] = [e for e in team.log() if e["notification"]["event_type"] == "checkin.logged"]
    assert entry["notification"]["status"] == "sent"
    assert len(slack.delivered()) == 1


def test_a_loop_whose_database_is_down_tries_to_listen_again_once_a_second(caplog):
    """While PostgreSQL cannot be reached, each of the loop's half-second waits asked for the
    listening connection again, with no connect timeout: two attempts and two warnings with a
    traceback a second. It now tries as the read cache's watch does, once per RETRY_AFTER_S."""
    engine = create_engine(f"postgresql+psycopg://goalkeeper@127.0.0.1:{free_port()}/gone")
    notices = Notices(engine, "gk_deliveries")
    with caplog.at_level(logging.WARNING, logger="shared.waker"):
        answers = [notices.listen() for _ in range(10)]
    assert answers == [None] * 10
    assert len([r for r in caplog.records if "could not listen" in r.getMessage()]) == 1
