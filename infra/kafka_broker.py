"""A single-node Apache Kafka broker (KRaft, combined broker+controller) on 127.0.0.1.

Used by the test fixtures, by `make run` (`python -m infra.kafka_broker serve`) and by benchmarks.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

REPO_ROOT = Path(__file__).resolve().parent.parent
KAFKA_DIR = REPO_ROOT / "infra" / "kafka"
POM = KAFKA_DIR / "pom.xml"
LOG4J_CONFIG = KAFKA_DIR / "log4j2.properties"
LIBS_DIR = REPO_ROOT / ".cache" / "kafka" / "libs"
KAFKA_JAR_GLOB = "kafka_2.13-*.jar"


def _has_jars(libs_dir: Path) -> bool:
    return any(libs_dir.glob(KAFKA_JAR_GLOB))


def ensure_jars(libs_dir: Path = LIBS_DIR) -> Path:
    """Fetch the broker classpath with Maven unless `libs_dir` already holds it."""
    if _has_jars(libs_dir):
        return libs_dir
    mvn = shutil.which("mvn")
    if mvn is None:
        raise SystemExit(
            "Maven (mvn) is needed once to fetch the Kafka broker jars into "
            f"{libs_dir}: install it (e.g. `apt-get install -y maven`, with Java 17+) "
            "and run `make kafka-jars` again."
        )
    staging = libs_dir.with_name(libs_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    print(f"Fetching Kafka broker jars into {libs_dir} (Maven Central)...", flush=True)
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"mvn failed to fetch the Kafka jars:\n{result.stdout}{result.stderr}")
    if not _has_jars(staging):
        raise SystemExit(f"mvn finished but {staging} holds no {KAFKA_JAR_GLOB}")
    shutil.rmtree(libs_dir, ignore_errors=True)
    staging.rename(libs_dir)
    return libs_dir


def kafka_version(libs_dir: Path = LIBS_DIR) -> str:
    jars = sorted(libs_dir.glob(KAFKA_JAR_GLOB))
    if not jars:
        raise FileNotFoundError(f"no {KAFKA_JAR_GLOB} in {libs_dir}; run ensure_jars()")
    return jars[-1].stem.removeprefix("kafka_2.13-")


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
PICKED_FROM = 10000  # the lowest port `free_port` picks: above the well-known and common ones


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now, picked below the kernel's ephemeral
    range where there is one: an outgoing connection takes its local port from that range, so a
    port picked there (as binding port 0 does) can be taken by any client between the pick and
    its server's bind (a broker's "port already in use" while other processes connect)."""
    try:
        low = int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 0
    rng = random.Random()
    for _ in range(100 if low > PICKED_FROM + 1000 else 0):
        port = rng.randrange(PICKED_FROM, low - 1)  # its next port up is below the range too
        if port_is_free(port, reuse=False):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_broker_port() -> int:
    """A free port for `serve`, whose controller listens on the next port up: free too."""
    while not port_is_free((port := free_port()) + 1):
        pass
    return port


def port_is_free(port: int, host: str = "127.0.0.1", *, reuse: bool = True) -> bool:
    """Whether a server could listen on `port` now (`reuse`: as servers do, with SO_REUSEADDR,
    which a port still in TIME_WAIT lets through; without, only a port no socket holds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if reuse:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def java_executable() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if java is None:
        raise SystemExit("The Kafka broker needs Java 17+: apt-get install -y default-jre")
    return java


def random_cluster_id() -> str:
    """The same format as `kafka.tools.StorageTool random-uuid` (url-safe base64, no padding)."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not value.startswith("-"):
            return value


def metadata_ready(bootstrap: str, timeout_s: float = 5.0) -> bool:
    """True when a kafka-python admin client can fetch cluster metadata from `bootstrap`."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="goalkeeper-readiness",
            bootstrap_timeout_ms=int(timeout_s * 1000),
            request_timeout_ms=int(timeout_s * 1000),
        )
    except KafkaError:
        return False
    try:
        admin.list_topics()
        return True
    except KafkaError:
        return False
    finally:
        admin.close()


def wait_for_kafka(bootstrap: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not metadata_ready(bootstrap, timeout_s=min(5.0, max(timeout, 1.0))):
        if time.monotonic() > deadline:
            raise TimeoutError(f"Kafka at {bootstrap} did not answer metadata within {timeout}s")
        time.sleep(0.5)


def wait_for_group_coordinator(bootstrap: str, timeout: float = 120.0) -> None:
    """Until the broker can coordinate consumer groups. On a fresh broker the first request
    for a group's coordinator creates `__consumer_offsets`; workers that join their groups
    before it is loaded each log a burst of NotCoordinator warnings on the console."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="goalkeeper-readiness")
            try:
                admin.describe_groups(["goalkeeper-readiness"])
                return
            finally:
                admin.close()
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"Kafka at {bootstrap} coordinated no group within {timeout}s") from exc
            time.sleep(0.5)


@dataclass(frozen=True)
class ExternalKafka:
    """A broker someone else runs (GOALKEEPER_TEST_KAFKA_BOOTSTRAP); it cannot be killed."""

    bootstrap: str
    version: str = "external"


class KafkaBroker:
    def __init__(
        self,
        data_dir: Path,
        port: int,
        controller_port: int | None = None,
        log_level: str = "WARN",
        heap: str = "512m",
        *,
        console: bool = False,
        libs_dir: Path = LIBS_DIR,
    ) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.controller_port = controller_port or free_port()
        self.log_level = log_level.upper()
        self.heap = heap
        self.console = console
        self.libs_dir = libs_dir
        self.startup_seconds: float | None = None
        self.cluster_id = random_cluster_id()
        self._process: subprocess.Popen[bytes] | None = None
        self._log_handle: int | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def version(self) -> str:
        return kafka_version(self.libs_dir)

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "data"

    @property
    def properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _properties(self) -> dict[str, str]:
        return {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.log_dir),
            "auto.create.topics.enable": "true",
            "num.partitions": "3",
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "broker.heartbeat.interval.ms": "500",
            "broker.session.timeout.ms": "3000",
            "log.segment.bytes": str(16 * 1024 * 1024),
            "log.retention.hours": "24",
            "log.retention.check.interval.ms": "60000",
        }

    def _write_properties(self) -> None:
        lines = [f"{key}={value}" for key, value in self._properties().items()]
        self.properties_file.write_text("\n".join(lines) + "\n")

    def _java(self, *args: str) -> list[str]:
        return [
            java_executable(),
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            f"-Dgoalkeeper.kafka.log.level={self.log_level}",
            "-cp",
            f"{self.libs_dir}/*",
            *args,
        ]

    def format_storage(self) -> None:
        """Format the log dir once (KRaft); later starts reuse it and keep the data."""
        if (self.log_dir / "meta.properties").exists():
            return
        self.log_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            self._java(
                "kafka.tools.StorageTool",
                "format",
                "-t",
                self.cluster_id,
                "-c",
                str(self.properties_file),
            ),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"Kafka storage format failed:\n{result.stdout}{result.stderr}")

    def start(self, timeout: float = 90) -> None:
        if self.is_running():
            return
        began = time.monotonic()
        self.launch()
        self.wait_ready(began + timeout, timeout)
        self.startup_seconds = time.monotonic() - began

    def launch(self) -> None:
        """Start the JVM without waiting (a cluster launches every node, then waits)."""
        ensure_jars(self.libs_dir)
        busy = [port for port in (self.port, self.controller_port) if not port_is_free(port)]
        if busy:
            raise RuntimeError(f"cannot start Kafka: 127.0.0.1 port(s) {busy} already in use")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_properties()
        self.format_storage()
        if self.console:
            output: int | None = None
        else:
            self._log_handle = os.open(self.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            output = self._log_handle
        self._process = subprocess.Popen(
            self._java("kafka.Kafka", str(self.properties_file)),
            stdout=output,
            stderr=subprocess.STDOUT if output is not None else None,
            stdin=subprocess.DEVNULL,
            start_new_session=not self.console,
        )

    def wait_ready(self, deadline: float, timeout: float) -> None:
        """Until a client can fetch metadata from this node, or the JVM exits, or `deadline`."""
        while True:
            if not self.is_running():
                code = self._process.returncode
                self._cleanup()
                raise RuntimeError(f"Kafka broker exited with {code} during startup{self._tail()}")
            if metadata_ready(self.bootstrap, timeout_s=2.0):
                break
            if time.monotonic() > deadline:
                self.kill()
                raise TimeoutError(f"Kafka broker not ready within {timeout}s{self._tail()}")
            time.sleep(0.25)

    def _tail(self, lines: int = 40) -> str:
        if self.console or not self.log_file.exists():
            return ""
        text = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        return f"; last lines of {self.log_file}:\n" + "\n".join(text)

    def _signal(self, signum: int) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        try:
            if self.console:
                self._process.send_signal(signum)
            else:
                os.killpg(self._process.pid, signum)
        except ProcessLookupError:
            pass

    def stop(self, timeout: float = 30) -> None:
        """Controlled shutdown (SIGTERM), then SIGKILL after `timeout` seconds."""
        if self._process is None:
            return
        self._signal(signal.SIGTERM)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self._process.wait()
        self._cleanup()

    def kill(self) -> None:
        """Crash the broker (SIGKILL) to simulate a failure."""
        if self._process is None:
            return
        self._signal(signal.SIGKILL)
        self._process.wait()
        self._cleanup()

    def restart(self, timeout: float = 90) -> None:
        """Start again on the same data dir and ports (after stop() or kill())."""
        self.stop()
        self.start(timeout)

    def wait(self) -> int:
        assert self._process is not None
        return self._process.wait()

    def _cleanup(self) -> None:
        if self._log_handle is not None:
            os.close(self._log_handle)
            self._log_handle = None
        if self._process is not None and self._process.poll() is not None:
            self._process = None

    def __enter__(self) -> KafkaBroker:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def port_from_bootstrap(bootstrap: str, default: int = 9092) -> int:
    first = bootstrap.split(",")[0].strip()
    _, sep, port = first.rpartition(":")
    return int(port) if sep and port.isdigit() else default


def default_run_dir() -> Path:
    return Path(os.environ.get("GOALKEEPER_RUN_DIR") or REPO_ROOT / ".run")


def serve(port: int, data_dir: Path, controller_port: int, log_level: str, heap: str) -> int:
    """Run a broker in the foreground until SIGINT/SIGTERM (for honcho)."""
    broker = KafkaBroker(data_dir, port, controller_port, log_level, heap, console=True)

    def forward(signum: int, frame: FrameType | None) -> None:
        broker._signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    broker.start(timeout=180)
    print(f"Kafka {broker.version} broker ready at {broker.bootstrap}", flush=True)
    code = broker.wait()
    return 0 if code in (0, -signal.SIGTERM, 143) else code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.kafka_broker")
    commands = parser.add_subparsers(dest="command", required=True)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or "127.0.0.1:9092"
    serve_cmd = commands.add_parser("serve", help="run a local broker in the foreground")
    serve_cmd.add_argument("--port", type=int, default=port_from_bootstrap(bootstrap))
    serve_cmd.add_argument("--controller-port", type=int, default=None)
    serve_cmd.add_argument("--data-dir", type=Path, default=default_run_dir() / "kafka")
    serve_cmd.add_argument("--log-level", default="INFO")
    serve_cmd.add_argument("--heap", default="512m")
    commands.add_parser("fetch", help="download the broker jars unless cached")
    wait_cmd = commands.add_parser(
        "wait", help="wait until KAFKA_BOOTSTRAP_SERVERS answers and coordinates groups")
    wait_cmd.add_argument("--bootstrap", default=bootstrap)
    wait_cmd.add_argument("--timeout", type=float, default=180.0)
    args = parser.parse_args(argv)

    if args.command == "fetch":
        libs = ensure_jars()
        print(f"Kafka {kafka_version(libs)} jars in {libs}")
        return 0
    if args.command == "wait":
        began = time.monotonic()
        wait_for_kafka(args.bootstrap, args.timeout)
        wait_for_group_coordinator(args.bootstrap, args.timeout - (time.monotonic() - began))
        return 0
    ensure_jars()
    controller_port = args.controller_port or args.port + 1
    return serve(args.port, args.data_dir, controller_port, args.log_level, args.heap)


if __name__ == "__main__":
    sys.exit(main())
