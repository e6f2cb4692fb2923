"""Failover under load on the 3-node cluster, with the fault suite's per-event accounting: every
accepted check-in id exactly once in the check-in events, the goal's effects, the notifications
routed, the Slack messages and the partner's feed.

Each scenario runs steady check-in load through all three services (two worker replicas
each), breaks one thing a third of the way in, then waits until everything is accounted for.
It reports the time to recover (from the end of the fault until every id was seen
everywhere) and the worst end-to-end latency (a check-in's acceptance to its `goal.progressed`).
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from tests.cluster.results import record as record_figures
from tests.faults.cluster_stack import ClusterFaultStack, TimedCheckinLoad, end_to_end_latencies
from tests.faults.dead_letters import dead_letter_report
from tests.faults.ledger import Ledger
from tests.faults.report import RATE, SECONDS, Outcome, record
from tests.faults.stack import SERVICES
from tests.faults.test_faults import Fault, quiet_then_count, settle
from tests.support.waiting import eventually

PAUSE_S = 20.0  # the SIGSTOP stall


@dataclass
class Failover:
    scenario: str
    fault_s: float  # how long the fault itself lasted (kill: 0; stop/start, pause: longer)
    recovery_s: float | None
    worst_latency_s: float | None
    median_latency_s: float | None


def busiest_leader(stack: ClusterFaultStack) -> int:
    """The node leading the partition that carries the load (the seeded team's)."""
    topic = stack.prefix + "checkins.events"
    partition = stack.busiest_partition("checkins.events")
    return eventually(lambda: max(stack.cluster.leader_of(topic, partition), 0), timeout=120)


def sigkill_busiest_partition_leader(stack: ClusterFaultStack, slack) -> Fault:
    stack.cluster.node(busiest_leader(stack)).kill()
    return Fault()


def sigkill_one_of_two_worker_replicas(stack: ClusterFaultStack, slack) -> Fault:
    """In every service, the replica that does not relay: only its partitions move."""
    for service in SERVICES:
        holder = stack.relay_holder(service)
        next(r for r in stack.replicas[service] if r is not holder).kill()
    return Fault()


def sigkill_relay_lock_holders(stack: ClusterFaultStack, slack) -> Fault:
    for service in SERVICES:
        holder = stack.relay_holder(service)
        assert holder is not None, f"no {service} replica holds the relay lock"
        holder.kill()
    return Fault()


def stop_and_restart_a_broker(stack: ClusterFaultStack, slack) -> Fault:
    node = stack.cluster.node(busiest_leader(stack))
    node.stop()
    time.sleep(SECONDS / 3)
    node.start(timeout=600)
    return Fault()


def pause_a_broker_20s(stack: ClusterFaultStack, slack) -> Fault:
    node = stack.cluster.node(busiest_leader(stack))
    node.pause()
    time.sleep(PAUSE_S)
    node.resume()
    return Fault()


SCENARIOS = [
    sigkill_busiest_partition_leader,
    sigkill_one_of_two_worker_replicas,
    sigkill_relay_lock_holders,
    stop_and_restart_a_broker,
    pause_a_broker_20s,
]


def heal(cluster) -> None:
    """Every node running again and in sync, before and after a scenario."""
    for node in cluster.nodes:
        node.resume()
        if not node.is_running():
            node.start(timeout=600)


def run_failover(scenario, cluster, postgres, slack, seconds: float = SECONDS) -> Failover:
    heal(cluster)
    stack = ClusterFaultStack(cluster, postgres, slack.webhook())
    ledger = None
    try:
        stack.start()
        ctx = stack.seed()
        ledger = Ledger(stack, slack, ctx)
        load = TimedCheckinLoad(stack["checkins"], ctx["goal_id"], ctx["token"], rate=RATE,
                                seconds=seconds).start()
        time.sleep(seconds / 3)
        began = time.monotonic()
        fault = scenario(stack, slack)
        fault_over = time.monotonic()
        result = load.join()
        assert result.gave_up == 0, f"requests never accepted: {result.statuses}"
        assert result.accepted, "no check-in was accepted"

        settled = settle(ledger, stack, fault, result.accepted)
        accounts = quiet_then_count(ledger, result.accepted)
        letters = dead_letter_report(stack, fault.poison)
        recovery = None if settled is None else max(0.0, settled - fault_over)
        name = f"cluster: {scenario.__name__}"
        record(Outcome.of(name, accounts, slack.duplicates(), letters.summary, recovery))
        latencies = end_to_end_latencies(cluster.bootstrap, stack.prefix + "goals.events",
                                         load.accepted_at)
        outcome = Failover(name, fault_over - began, recovery,
                           max(latencies) if latencies else None,
                           statistics.median(latencies) if latencies else None)
        record_figures(name, describe(outcome, len(result.accepted)))

        assert settled is not None, "settle wait timed out:\n" + accounts.explain()
        assert accounts.lost() == {}, accounts.explain()
        assert accounts.duplicated() == {}, accounts.explain()
        assert accounts.phantoms() == {}
        assert slack.duplicates() == 0
        assert letters.wrong == [], letters.wrong
        assert stack.goal_current(ctx) == result.total
        return outcome
    finally:
        if ledger is not None:
            ledger.close()
        stack.close()
        heal(cluster)


def describe(outcome: Failover, sent: int) -> str:
    def seconds(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1f} s"

    return (f"{sent} check-ins; fault lasted {seconds(outcome.fault_s)}; recovered (every id "
            f"everywhere) {seconds(outcome.recovery_s)} after it; end-to-end latency worst "
            f"{seconds(outcome.worst_latency_s)}, median {seconds(outcome.median_latency_s)}")
