"""Fault injection: each scenario drives steady check-in load through all three services, breaks
something in the middle, then accounts for every accepted check-in id, one by one: exactly once
in the check-in events, the goal's effects, the notifications routed to Slack, the messages the
Slack-like server posted (ids inside coalesced messages included) and the partner's feed.

A scenario fails when its settle wait times out, when an id is missing or doubled anywhere,
when a notification is left failed or pending, or when the dead-letter topics hold anything
but the poison the scenario produced. Before "exactly once" is judged, the system must stay
quiet for `QUIET_S`, so a late duplicate is still caught.

Durations come from GOALKEEPER_FAULT_SECONDS (`make test`: 8 s of load; `make faults`: 30 s).
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy.exc import SQLAlchemyError

from tests.faults.crashes import sigkill_postgres
from tests.faults.dead_letters import Poison, dead_letter_report, poison_for
from tests.faults.ledger import Accounts, Ledger
from tests.faults.load import CheckinLoad
from tests.faults.report import RATE, SECONDS, Outcome, record
from tests.faults.stack import FaultStack
from tests.support.events import produce_raw
from tests.support.slack_server import (
    OK,
    Reply,
    processed_then_dropped,
    server_error,
    too_many_requests,
)
from tests.support.waiting import quiet

pytestmark = [pytest.mark.faults, pytest.mark.slow, pytest.mark.alone, pytest.mark.timeout(1200)]

SETTLE_S = float(os.environ.get("GOALKEEPER_FAULT_SETTLE_SECONDS", "300"))
QUIET_S = 6.0  # longer than the coalescing pause (3 s) plus a paced send and a retry
TOPICS = ("goals.events", "checkins.events", "checkins.commands", "notifications.events")
DROPS = 2


class Fault:
    """What a scenario did that the accounting must allow for."""

    def __init__(self, poison: list[Poison] | None = None, slack_drops: int = 0):
        self.poison = poison or []
        self.slack_drops = slack_drops


def kill_broker(stack, slack) -> Fault:
    stack.broker.kill()
    time.sleep(SECONDS / 4)
    stack.broker.restart()
    return Fault()


def kill_worker(service):
    def fault(stack, slack) -> Fault:
        stack[service].kill_worker()
        time.sleep(1)
        stack[service].spawn_worker()
        return Fault()

    fault.__name__ = f"kill_{service}_worker"
    return fault


def sigkill_postgres_and_backends(stack, slack) -> Fault:
    sigkill_postgres(stack.postgres, down_for=SECONDS / 4)
    return Fault()


def flap_slack(stack, slack) -> Fault:
    """Slack down for half the load's duration from the first message that meets it: 500,
    429 and a request that times out (the sender gives up after 5 s), in turn. The outage is
    a span of time, not a count of answers: a delivery backing off exponentially would take
    hours to use up a long list of failures. The fault ends when the outage does."""
    flaps = [server_error(), too_many_requests(1), Reply(503, "upstream_timeout", delay=6.5)]
    outage = slack.fail_for(SECONDS / 2, *flaps)
    outage.wait_over(timeout=SETTLE_S)
    assert outage.failed >= 2, f"no retry met the outage ({outage.failed} POST failed)"
    return Fault()


def slack_drops_the_answer(stack, slack) -> Fault:
    """Slack posts the message and the connection breaks before it answers, twice in a row:
    the sender cannot tell a posted message from a lost one, so it sends again."""
    slack.reply_with(*[processed_then_dropped()] * DROPS, OK)
    return Fault(slack_drops=DROPS)


def poison_every_topic(stack, slack) -> Fault:
    poison = [p for topic in TOPICS for p in poison_for(stack, topic)]
    for p in poison:
        produce_raw(stack.broker.bootstrap, p.physical_topic, p.value, p.headers, key=p.key)
    return Fault(poison=poison)


def rebalance_consumers(stack, slack) -> Fault:
    extra = [stack[s].spawn_second_worker() for s in ("goals", "notifications")]
    time.sleep(SECONDS / 3)
    for process in extra:
        process.terminate()
        process.wait(30)
    return Fault()


SCENARIOS = [
    kill_broker,
    kill_worker("goals"),
    kill_worker("checkins"),
    kill_worker("notifications"),
    sigkill_postgres_and_backends,
    flap_slack,
    slack_drops_the_answer,
    poison_every_topic,
    rebalance_consumers,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_every_checkin_is_seen_exactly_once_everywhere(scenario, fault_broker, fault_postgres,
                                                      slack):
    stack = FaultStack(fault_broker, fault_postgres, slack.webhook())
    ledger = None
    try:
        stack.start()
        ctx = stack.seed()
        ledger = Ledger(stack, slack, ctx)
        load = CheckinLoad(
            stack["checkins"], ctx["goal_id"], ctx["token"], rate=RATE, seconds=SECONDS
        ).start()
        time.sleep(SECONDS / 3)
        fault = scenario(stack, slack)
        fault_over = time.monotonic()
        result = load.join()
        assert result.gave_up == 0, f"requests never accepted: {result.statuses}"
        assert result.accepted, "no check-in was accepted"

        settled = settle(ledger, stack, fault, result.accepted)
        accounts = quiet_then_count(ledger, result.accepted)
        letters = dead_letter_report(stack, fault.poison)
        recovery = None if settled is None else max(0.0, settled - fault_over)
        outcome = Outcome.of(scenario.__name__, accounts, slack.duplicates(),
                             letters.summary, recovery)
        record(outcome)

        assert settled is not None, (
            f"settle wait timed out:\n{accounts.explain()}\n{letters.wrong}")
        slack_dups = accounts.duplicated().get("slack", [])
        assert accounts.lost() == {}, accounts.explain()
        assert {p: ids for p, ids in accounts.duplicated().items() if p != "slack"} == {}, (
            accounts.explain())
        assert accounts.phantoms() == {}
        # Slack's incoming webhooks take no idempotency key: a message posted and then
        # unanswered is sent again. At most one extra copy per dropped answer, none otherwise.
        assert slack.duplicates() == fault.slack_drops
        slack_seen = accounts.tallies["slack"].seen
        assert {i: slack_seen[i] - 1 for i in slack_dups} == {
            i: n for i, n in ledger.in_dropped.items() if i in result.accepted}
        assert letters.wrong == [], letters.wrong
        assert stack.goal_current(ctx) == result.total
    finally:
        if ledger is not None:
            ledger.close()
        stack.close()


def settle(ledger: Ledger, stack, fault: Fault, sent: list[str]) -> float | None:
    """Wait until every accepted check-in was seen everywhere, no notification is pending and
    the poison is dead-lettered; returns when that happened, or None at `SETTLE_S`."""
    deadline = time.monotonic() + SETTLE_S
    while time.monotonic() < deadline:
        try:
            accounts = ledger.accounts(sent)
            done = accounts.complete() and not accounts.tallies["routed"].notes
            done = done and not dead_letter_report(stack, fault.poison).missing
        except (AssertionError, SQLAlchemyError):
            done = False  # a service still recovering (e.g. the feed answered 503)
        if done:
            return time.monotonic()
        time.sleep(0.5)
    return None


def quiet_then_count(ledger: Ledger, sent: list[str]) -> Accounts:
    """Count once nothing new was seen anywhere for QUIET_S (at least that long)."""
    quiet(lambda: ledger.accounts(sent).signature(), QUIET_S, timeout=SETTLE_S)
    return ledger.accounts(sent, to_end=True)
