"""How far behind a service is: consumer lag per partition and the unsent outbox.

- Consumer lag of a partition = its end offset (the next offset to be written) minus the
  offset the service's consumer group committed there (the next one it will handle). A
  partition the group never committed counts from its start offset.
- Outbox backlog = rows not yet published (`sent_at IS NULL`), and the age of the oldest.

`LagProbe.report()` reads both (cached for `ttl` seconds, so scrapes stay cheap). Workers
export it as Prometheus gauges on their metrics port (`<SERVICE>_WORKER_METRICS_PORT`, with
`/metrics` and `/status`); the web process answers `/status` with the same report.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine, Table, func, select
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group never committed here
    end: int
    lag: int


@dataclass
class LagReport:
    service: str
    group: str
    partitions: list[PartitionLag] = field(default_factory=list)
    outbox_unsent: int | None = None
    outbox_oldest_unsent_s: float | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def consumer_lag(self) -> int:
        return sum(p.lag for p in self.partitions)

    def as_dict(self) -> dict:
        return {**asdict(self), "consumer_lag": self.consumer_lag}


class LagProbe:
    """Reads the lag of `group` on `topics` (physical names) and the unsent rows of `outbox`."""

    def __init__(self, service: str, bootstrap: str, group: str, topics: list[str],
                 engine: Engine, outbox: Table, *, ttl: float = 2.0):
        self.service = service
        self.bootstrap = bootstrap.split(",")
        self.group = group
        self.topics = topics
        self.engine = engine
        self.outbox = outbox
        self.ttl = ttl
        self._cached: tuple[float, LagReport] | None = None
        self._admin: KafkaAdminClient | None = None
        self._reader: KafkaConsumer | None = None
        self._mutex = threading.Lock()

    def report(self) -> LagReport:
        with self._mutex:
            if self._cached and time.monotonic() - self._cached[0] < self.ttl:
                return self._cached[1]
            report = LagReport(self.service, self.group)
            self._read_outbox(report)
            if self.topics:
                self._read_partitions(report)
            self._cached = (time.monotonic(), report)
            return report

    def close(self) -> None:
        with self._mutex:
            self._close_clients()

    # -- Kafka ----------------------------------------------------------------------------
    def _read_partitions(self, report: LagReport) -> None:
        try:
            admin, reader = self._clients()
            committed = admin.list_group_offsets({self.group: None}).get(self.group, {})
            tps = [TopicPartition(topic, p) for topic in self.topics
                   for p in sorted(reader.partitions_for_topic(topic) or ())]
            ends = reader.end_offsets(tps)
            starts = reader.beginning_offsets([tp for tp in tps if tp not in committed])
        except KafkaError as exc:
            report.errors.append(f"kafka: {exc.__class__.__name__}: {exc}")
            self._close_clients()
            return
        for tp in tps:
            mark = committed.get(tp)
            done = mark.offset if mark is not None and mark.offset >= 0 else None
            base = done if done is not None else starts.get(tp, 0)
            report.partitions.append(
                PartitionLag(tp.topic, tp.partition, done, ends[tp], max(ends[tp] - base, 0))
            )

    def _clients(self) -> tuple[KafkaAdminClient, KafkaConsumer]:
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap,
                                           client_id=f"goalkeeper-{self.service}-lag",
                                           request_timeout_ms=5_000)
        if self._reader is None:
            self._reader = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None,
                                         client_id=f"goalkeeper-{self.service}-lag",
                                         enable_auto_commit=False, request_timeout_ms=5_000,
                                         metadata_max_age_ms=5_000)
        return self._admin, self._reader

    def _close_clients(self) -> None:
        for client in (self._admin, self._reader):
            if client is not None:
                try:
                    client.close()
                except Exception:  # a client of a dead broker may fail to close; it is dropped
                    log.debug("lag probe: close failed", exc_info=True)
        self._admin = self._reader = None

    # -- the outbox -----------------------------------------------------------------------
    def _read_outbox(self, report: LagReport) -> None:
        unsent = self.outbox.c.sent_at.is_(None)
        query = select(func.count(), func.min(self.outbox.c.created_at)).where(unsent)
        try:
            with self.engine.connect() as conn:
                count, oldest = conn.execute(query).one()
        except SQLAlchemyError as exc:
            report.errors.append(f"database: {exc.__class__.__name__}")
            return
        report.outbox_unsent = int(count)
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            report.outbox_oldest_unsent_s = (datetime.now(UTC) - oldest).total_seconds()


class LagCollector:
    """The probe's report as Prometheus gauges, read at scrape time."""

    def __init__(self, probe: LagProbe):
        self.probe = probe

    def collect(self):
        report = self.probe.report()
        labels = ["service", "group", "topic", "partition"]
        lag = GaugeMetricFamily("goalkeeper_consumer_lag",
                                "Records on the partition the group has not handled yet",
                                labels=labels)
        committed = GaugeMetricFamily("goalkeeper_consumer_committed_offset",
                                      "Next offset the group will handle", labels=labels)
        end = GaugeMetricFamily("goalkeeper_partition_end_offset",
                                "Next offset to be written to the partition", labels=labels)
        for p in report.partitions:
            values = [report.service, report.group, p.topic, str(p.partition)]
            lag.add_metric(values, p.lag)
            end.add_metric(values, p.end)
            if p.committed is not None:
                committed.add_metric(values, p.committed)
        yield from (lag, committed, end)
        backlog = GaugeMetricFamily("goalkeeper_outbox_backlog", "Outbox rows not yet published",
                                    labels=["service"])
        oldest = GaugeMetricFamily("goalkeeper_outbox_oldest_unsent_seconds",
                                   "Age of the oldest unpublished outbox row", labels=["service"])
        if report.outbox_unsent is not None:
            backlog.add_metric([report.service], report.outbox_unsent)
            oldest.add_metric([report.service], report.outbox_oldest_unsent_s or 0.0)
        up = GaugeMetricFamily("goalkeeper_lag_probe_up",
                               "1 when Kafka and the database both answered the last probe",
                               labels=["service"])
        up.add_metric([report.service], 0 if report.errors else 1)
        yield from (backlog, oldest, up)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass


class MetricsEndpoint:
    """A worker's HTTP port: `/metrics` (Prometheus) and `/status` (the lag report as JSON)."""

    loop_name = "metrics"

    def __init__(self, probe: LagProbe, port: int, host: str = "127.0.0.1"):
        self.probe = probe
        self.port = port
        self.host = host
        self.registry = CollectorRegistry()
        self.registry.register(LagCollector(probe))
        self._metrics = make_wsgi_app(self.registry)

    def app(self, environ, start_response):
        if environ.get("PATH_INFO") == "/status":
            body = json.dumps(self.probe.report().as_dict()).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        return self._metrics(environ, start_response)

    def __call__(self, stop: threading.Event) -> None:
        server = make_server(self.host, self.port, self.app, server_class=_Server,
                             handler_class=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, args=(0.5,), daemon=True,
                                  name=f"metrics-{self.port}")
        thread.start()
        log.info("worker metrics on http://%s:%d/metrics", self.host, self.port)
        try:
            stop.wait()
        finally:
            server.shutdown()
            server.server_close()
            self.probe.close()
