"""The shortest failover under load, inside `make test`: the leader of the busiest partition is
SIGKILLed during a few seconds of check-ins, and every check-in id is still seen exactly once
in every effect. The other scenarios, with longer load, run under `make faults`."""

from __future__ import annotations

import pytest

from tests.faults.failover import run_failover, sigkill_busiest_partition_leader

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.alone, pytest.mark.timeout(900)]


def test_a_leader_sigkill_under_load_loses_and_doubles_nothing(kafka_cluster, postgres_server,
                                                                slack):
    outcome = run_failover(sigkill_busiest_partition_leader, kafka_cluster, postgres_server,
                           slack, seconds=4)
    assert outcome.recovery_s is not None
