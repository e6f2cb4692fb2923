"""Failover under load on a 3-node cluster with two worker replicas per service (`make faults`):
see `tests.faults.failover`. `make test` runs the shortest one (tests/cluster); these run when
the load duration is chosen (GOALKEEPER_FAULT_SECONDS, as `make faults` does)."""

from __future__ import annotations

import os

import pytest

from tests.cluster.clusters import kafka_cluster  # noqa: F401 - the 3-node cluster fixture
from tests.faults.failover import SCENARIOS, run_failover

pytestmark = [
    pytest.mark.faults,
    pytest.mark.slow,
    pytest.mark.alone,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(not os.environ.get("GOALKEEPER_FAULT_SECONDS"),
                       reason="cluster failover runs under `make faults`"),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_every_checkin_is_seen_exactly_once_through_a_failover(scenario, kafka_cluster,  # noqa: F811
                                                                fault_postgres, slack):
    run_failover(scenario, kafka_cluster, fault_postgres, slack)
