"""A throwaway 3-node KRaft cluster for a test session (about a minute to start on 2 cores)."""

from __future__ import annotations

import pytest

from infra.kafka_cluster import KafkaCluster
from tests.cluster.results import record


@pytest.fixture(scope="session")
def kafka_cluster(tmp_path_factory):
    cluster = KafkaCluster(tmp_path_factory.mktemp("kafka-cluster"))
    cluster.start()
    warm = cluster.warm_up()
    record("3-node cluster start", f"brokers answer after {cluster.startup_seconds:.0f} s, "
           f"group coordinator after {warm:.0f} s more")
    yield cluster
    cluster.stop()
