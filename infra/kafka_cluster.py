"""Three KRaft nodes on loopback (each broker and controller, a quorum of three controllers).

Topics made on it get replication factor 3 and `min.insync.replicas=2`: with `acks=all` a write
is acknowledged once two replicas have it, so one node can die (SIGKILL, stop, SIGSTOP) while
the other two carry on and nothing acknowledged is lost. Used by `make cluster` and the
failover tests.
"""

from __future__ import annotations

import time
from pathlib import Path

from infra.kafka_broker import LIBS_DIR, KafkaBroker, free_port, random_cluster_id

NODES = 3
REPLICATION_FACTOR = 3
MIN_INSYNC_REPLICAS = 2


class ClusterNode(KafkaBroker):
    """One node of the cluster: its own id, ports and log dir; the shared voters and cluster id."""

    def __init__(self, data_dir: Path, node_id: int, port: int, controller_port: int,
                 voters: str, cluster_id: str, **options) -> None:
        super().__init__(data_dir, port, controller_port, **options)
        self.node_id = node_id
        self.voters = voters
        self.cluster_id = cluster_id

    def _properties(self) -> dict[str, str]:
        properties = super()._properties()
        replicated = str(REPLICATION_FACTOR)
        in_sync = str(MIN_INSYNC_REPLICAS)
        properties.update({
            "node.id": str(self.node_id),
            "controller.quorum.voters": self.voters,
            "default.replication.factor": replicated,
            "min.insync.replicas": in_sync,
            "offsets.topic.replication.factor": replicated,
            "transaction.state.log.replication.factor": replicated,
            "transaction.state.log.min.isr": in_sync,
            "share.coordinator.state.topic.replication.factor": replicated,
            "share.coordinator.state.topic.min.isr": in_sync,
            "unclean.leader.election.enable": "false",
        })
        return properties


class KafkaCluster:
    def __init__(self, data_dir: Path, ports: list[int] | None = None,
                 controller_ports: list[int] | None = None, *, heap: str = "384m",
                 log_level: str = "WARN", console: bool = False, libs_dir: Path = LIBS_DIR):
        ports = ports or [free_port() for _ in range(NODES)]
        controller_ports = controller_ports or [free_port() for _ in range(NODES)]
        voters = ",".join(f"{i + 1}@127.0.0.1:{cp}" for i, cp in enumerate(controller_ports))
        cluster_id = random_cluster_id()
        self.nodes = [
            ClusterNode(Path(data_dir) / f"node{i + 1}", i + 1, port, controller_port, voters,
                        cluster_id, heap=heap, log_level=log_level, console=console,
                        libs_dir=libs_dir)
            for i, (port, controller_port) in enumerate(zip(ports, controller_ports, strict=True))
        ]
        self.startup_seconds: float | None = None

    @property
    def bootstrap(self) -> str:
        return ",".join(node.bootstrap for node in self.nodes)

    @property
    def version(self) -> str:
        return self.nodes[0].version

    def node(self, node_id: int) -> ClusterNode:
        return self.nodes[node_id - 1]

    def start(self, timeout: float = 180) -> None:
        """Launch every node, then wait until each answers (the quorum needs two of three)."""
        began = time.monotonic()
        for node in self.nodes:
            if not node.is_running():
                node.launch()
        for node in self.nodes:
            node.wait_ready(began + timeout, timeout)
        self.startup_seconds = time.monotonic() - began

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()

    def __enter__(self) -> KafkaCluster:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
