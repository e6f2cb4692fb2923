"""Three KRaft nodes on loopback (each broker and controller, a quorum of three controllers).

Topics made on it get replication factor 3 and `min.insync.replicas=2`: with `acks=all` a write
is acknowledged once two replicas have it, so one node can die (SIGKILL, stop, SIGSTOP) while
the other two carry on and nothing acknowledged is lost. Used by `make cluster` and the
failover tests.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic
from kafka.errors import KafkaError

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
            # A loaded 2-core machine starts three JVMs slowly: wait for the quorum, and do
            # not fence a live broker that missed a few heartbeats (a dead one is fenced
            # after 6 s, which bounds a leader failover).
            "initial.broker.registration.timeout.ms": "600000",
            "broker.heartbeat.interval.ms": "1000",
            "broker.session.timeout.ms": "6000",
            "controller.quorum.fetch.timeout.ms": "6000",
            "controller.quorum.election.timeout.ms": "3000",
        })
        return properties

    def pause(self) -> None:
        """SIGSTOP: the JVM freezes with its sockets open, like a host that stops answering."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)


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

    def start(self, timeout: float = 600) -> None:
        """Launch every node, then wait until each answers (the quorum needs two of three)."""
        began = time.monotonic()
        for node in self.nodes:
            if not node.is_running():
                node.launch()
        for node in self.nodes:
            node.wait_ready(began + timeout, timeout)
        self.startup_seconds = time.monotonic() - began

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM every node at once (stopped one by one, the last would wait for a quorum
        that is gone), then SIGKILL what is left after `timeout` seconds."""
        running = [node for node in self.nodes if node.is_running()]
        for node in running:
            node.resume()
            node._signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for node in running:
            try:
                node._process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                node.kill()
            node._cleanup()

    # -- what the failover tests need ---------------------------------------------------------
    def admin(self) -> KafkaAdminClient:
        """An admin client bootstrapped from the nodes that run (a killed one refuses)."""
        running = [n.bootstrap for n in self.nodes if n.is_running()] or self.bootstrap.split(",")
        return KafkaAdminClient(bootstrap_servers=running, client_id="goalkeeper-cluster",
                                request_timeout_ms=10_000)

    def partitions(self, topic: str) -> dict[int, dict]:
        """Partition -> {"leader": node id, "isr": [node ids]} as the cluster sees it now."""
        admin = self.admin()
        try:
            [described] = admin.describe_topics([topic])
        finally:
            admin.close()
        return {p["partition_index"]: {"leader": p["leader_id"], "isr": sorted(p["isr_nodes"])}
                for p in described["partitions"]}

    def leader_of(self, topic: str, partition: int) -> int:
        """The partition's leader node, or -1 while there is none (or nobody answers)."""
        try:
            return self.partitions(topic)[partition]["leader"]
        except KafkaError:
            return -1

    def wait_in_sync(self, topics: list[str], timeout: float = 120) -> float:
        """Until every partition of `topics` has a leader and all nodes in its ISR; returns the
        seconds it took."""
        began = time.monotonic()
        while True:
            try:
                if all(p["leader"] >= 0 and len(p["isr"]) == NODES
                       for topic in topics for p in self.partitions(topic).values()):
                    return time.monotonic() - began
            except (KafkaError, ValueError):
                pass
            if time.monotonic() - began > timeout:
                raise TimeoutError(f"{topics} not fully in sync within {timeout}s")
            time.sleep(0.5)

    def warm_up(self, timeout: float = 120) -> float:
        """Join a throwaway consumer group until it gets an assignment: that creates the
        replicated `__consumer_offsets` and elects group coordinators, so the services'
        workers do not start into a storm of NotCoordinator errors. Returns the seconds."""
        began = time.monotonic()
        topic = f"goalkeeper-warm-up-{uuid.uuid4().hex[:8]}"
        admin = self.admin()
        try:
            admin.create_topics([NewTopic(topic, 1, REPLICATION_FACTOR)])
        finally:
            admin.close()
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap.split(","),
                                 group_id=topic, enable_auto_commit=False)
        try:
            consumer.subscribe([topic])
            while not consumer.assignment():
                consumer.poll(timeout_ms=500)
                if time.monotonic() - began > timeout:
                    raise TimeoutError(f"no group coordinator within {timeout}s")
        finally:
            consumer.close()
        admin = self.admin()
        try:
            admin.delete_topics([topic])
            admin.delete_groups([topic])
        except KafkaError:
            pass  # a leftover warm-up topic is harmless
        finally:
            admin.close()
        return time.monotonic() - began

    def __enter__(self) -> KafkaCluster:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
