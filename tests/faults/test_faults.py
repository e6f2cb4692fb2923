"""Fault injection: each scenario drives steady check-in load through all three services, breaks
something in the middle, and counts what went in against what came out. Every scenario must
end with 0 lost and 0 duplicated effects.

Durations come from GOALKEEPER_FAULT_SECONDS (CI's short run: 8 s of load; `make faults`: 30 s).
"""

from __future__ import annotations

import os
import time

import pytest

from tests.faults.load import CheckinLoad
from tests.faults.report import Outcome, record
from tests.faults.stack import FaultStack
from tests.support.events import produce_raw
from tests.support.slack_server import Reply, server_error, too_many_requests

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SECONDS = float(os.environ.get("GOALKEEPER_FAULT_SECONDS", "8"))
RATE = float(os.environ.get("GOALKEEPER_FAULT_RATE", "10"))
TOPICS = ("goals.events", "checkins.events", "checkins.commands", "notifications.events")


def kill_broker(stack, slack):
    stack.broker.kill()
    time.sleep(SECONDS / 4)
    stack.broker.restart()


def kill_worker(service):
    def fault(stack, slack):
        stack[service].kill_worker()
        time.sleep(1)
        stack[service].spawn_worker()

    fault.__name__ = f"kill_{service}_worker"
    return fault


def restart_postgres(stack, slack):
    stack.postgres.restart()


def flap_slack(stack, slack):
    # a timed-out request that Slack never processed: the sender gives up after 5 s
    flaps = [server_error(), too_many_requests(1), Reply(503, "upstream_timeout", delay=6.5)]
    slack.reply_with(*flaps * max(1, int(SECONDS / 3)))
    time.sleep(SECONDS / 2)


def poison_every_topic(stack, slack):
    for topic in TOPICS:
        produce_raw(stack.broker.bootstrap, f"{stack.prefix}{topic}", b"\x00poison\xff")


def rebalance_consumers(stack, slack):
    extra = [stack[s].spawn_second_worker() for s in ("goals", "notifications")]
    time.sleep(SECONDS / 3)
    for process in extra:
        process.terminate()
        process.wait(30)


SCENARIOS = [
    kill_broker,
    kill_worker("goals"),
    kill_worker("checkins"),
    kill_worker("notifications"),
    restart_postgres,
    flap_slack,
    poison_every_topic,
    rebalance_consumers,
]


@pytest.mark.parametrize("fault", SCENARIOS, ids=lambda f: f.__name__)
def test_fault_loses_and_duplicates_nothing(fault, fault_broker, fault_postgres, slack):
    stack = FaultStack(fault_broker, fault_postgres, slack.webhook())
    try:
        stack.start()
        ctx = stack.seed()
        load = CheckinLoad(
            stack["checkins"], ctx["goal_id"], ctx["token"], rate=RATE, seconds=SECONDS
        ).start()
        time.sleep(SECONDS / 3)
        fault(stack, slack)
        fault_over = time.monotonic()
        result = load.join()
        sent = len(result.accepted)
        assert result.gave_up == 0, f"requests never accepted: {result.statuses}"
        recovered = settle(stack, ctx, sent)
        recovery = max(0.0, recovered - fault_over) if recovered else None
        time.sleep(2)  # anything late and extra would show up now
        observed, routed = stack.goal_progress(ctx), stack.checkins_routed()
        rows = stack.notification_rows()
        messages, posted = stack.sent_messages(), len(slack.delivered())
        lost = max(0, sent - int(observed)) + max(0, sent - routed) + max(0, messages - posted)
        duplicated = (
            max(0, int(observed) - sent) + max(0, rows - routed) + max(0, posted - messages)
        )
        record(Outcome(fault.__name__, sent, int(observed), routed, lost, duplicated, recovery))
        assert (lost, duplicated) == (0, 0)
        assert sent > 0
    finally:
        stack.close()


def settle(stack, ctx, sent: int, timeout: float = 240) -> float | None:
    """Wait until every accepted check-in has had its effects; returns when that happened, or
    None when Slack deliveries were still backing off at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = stack.goal_progress(ctx) >= sent and stack.checkins_routed() >= sent
        if done and stack.undelivered() == 0:
            return time.monotonic()
        time.sleep(0.2)
    return None
