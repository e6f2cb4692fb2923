"""Wiring shared by every service: engine, unit of work, tokens, relay, consumer and worker.

A service subclasses `Container`, names its metadata, unit-of-work class, consumed topics and
handlers, and gets the same plumbing as the others. Nothing connects at construction time
(gunicorn forks after the app is built): engines and Kafka clients open lazily.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cached_property

from sqlalchemy import MetaData, Select, bindparam, inspect, select

from shared.auth import Principal, TokenSigner, confirm_principal
from shared.clock import Clock, SystemClock
from shared.config import Settings
from shared.consumer import ConsumerRunner, Handler
from shared.db import is_postgres, make_engine, make_session_factory, read_only
from shared.health import BrokerProbe
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.lag import LagProbe, MetricsEndpoint
from shared.messagebus import MessageBus
from shared.messaging_tables import purge_expired
from shared.outbox import OutboxRelay, OutboxWriter, make_waker
from shared.read_cache import ReadCache, make_read_cache
from shared.retention import PURGE_SECONDS
from shared.uow import UnitOfWork, request_session
from shared.worker import ScheduledJob, Worker, ticks_for

_UNKNOWN = object()  # no standing kept


class Container:
    metadata: MetaData
    uow_class: type[UnitOfWork] = UnitOfWork
    consumes: tuple[str, ...] = ()  # logical topics
    publishes: tuple[str, ...] = ()
    # The mapped class whose rows say who a member is now (team_id, role, state, token_version),
    # and whether it is a read model that may lag behind the tokens the goals service issues.
    member_record: type | None = None
    member_record_is_replica: bool = True
    # Whether the handlers go on to use the caller's record: then the check loads it whole into
    # the request's session, where they find it; else it reads only the four columns it needs.
    handlers_use_the_caller = False
    # Whether the web process keeps answered reads and callers' standings (shared.read_cache);
    # the service's metadata then carries the change triggers (`watch_changes`).
    caches_reads = False

    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or SystemClock()

    @cached_property
    def engine(self):
        return make_engine(self.settings.database_url)

    @cached_property
    def session_factory(self):
        return make_session_factory(self.engine)

    @cached_property
    def read_engine(self):
        """Reads: never the SQLite write lock; on PostgreSQL no BEGIN/ROLLBACK round trips
        either (autocommit; under READ COMMITTED each statement had its own snapshot anyway)."""
        engine = read_only(self.engine)
        return engine.execution_options(isolation_level="AUTOCOMMIT") if is_postgres(
            self.engine) else engine

    @cached_property
    def read_session_factory(self):
        return make_session_factory(self.read_engine)

    @cached_property
    def snapshot_read_session_factory(self):
        """Reads whose statements must agree (a page read a chunk at a time): on PostgreSQL one
        REPEATABLE READ, READ ONLY transaction, every statement in the snapshot of its first.
        SQLite's deferred read transaction already is one snapshot."""
        if not is_postgres(self.engine):
            return self.read_session_factory
        return make_session_factory(read_only(self.engine).execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True))

    @cached_property
    def read_cache(self) -> ReadCache | None:
        return make_read_cache(self.engine, self.settings.service) if self.caches_reads else None

    @cached_property
    def waker(self):
        return make_waker(self.settings)

    @cached_property
    def outbox_writer(self) -> OutboxWriter:
        return OutboxWriter(self.metadata.tables["outbox"], self.settings)

    @cached_property
    def tokens(self) -> TokenSigner:
        return TokenSigner(
            self.settings.secret_key, timedelta(days=self.settings.token_ttl_days), self.clock
        )

    @cached_property
    def broker_probe(self) -> BrokerProbe:
        return BrokerProbe(self.settings.kafka_bootstrap_servers)

    def uow(self) -> UnitOfWork:
        return self.uow_class(self.session_factory, self.outbox_writer, self.waker)

    def reader(self, *, one_snapshot: bool = False) -> UnitOfWork:
        """A unit of work for queries: on SQLite it never waits for the write lock. With
        `one_snapshot`, all its statements see the database as their first did (a handler asks
        for it as `snapshot_reader`); else, on PostgreSQL, each sees what was committed when
        it began."""
        factory = self.snapshot_read_session_factory if one_snapshot else \
            self.read_session_factory
        return self.uow_class(factory, self.outbox_writer, self.waker, read_only=True)

    # -- the request side: one bus, handlers wired once ------------------------------------
    def command_handlers(self) -> dict[type, Callable]:
        """Command type -> use case. Each service lists its own."""
        return {}

    def dependencies(self) -> dict[str, Callable]:
        """What a handler may ask for by parameter name; each provider is called per command."""
        return {"uow": self.uow, "reader": self.reader,
                "snapshot_reader": lambda: self.reader(one_snapshot=True),
                "clock": lambda: self.clock, "settings": lambda: self.settings}

    @cached_property
    def bus(self) -> MessageBus:
        return MessageBus(self.command_handlers(), self.dependencies())

    def check_principal(self, principal: Principal, *, may_reuse: bool = False) -> Principal:
        """Apply revocations and current roles from this service's record of the member, read
        in the request's shared session (`shared.web`), so the handler's transaction is the
        same (and, with `handlers_use_the_caller`, finds the caller's row in its identity map).
        With `may_reuse` (a read), the standing kept by the read cache serves when it has one.
        """
        if self.member_record is None:
            return principal
        cache = None if self.handlers_use_the_caller or not may_reuse else self.read_cache
        if cache is None:
            return confirm_principal(principal, self._member(principal),
                                     trust_unknown=self.member_record_is_replica)
        key, team_id = ("standing", principal.member_id), principal.team_id
        member = cache.get(key, team_id, default=_UNKNOWN)
        if member is _UNKNOWN:
            token = cache.token(team_id)
            member = self._member(principal)
            cache.put(key, team_id, member, token)
        return confirm_principal(principal, member, trust_unknown=self.member_record_is_replica)

    def _member(self, principal: Principal):
        with request_session(self.read_session_factory) as session:
            if self.handlers_use_the_caller:
                return session.get(self.member_record, principal.member_id)
            # a fraction of the time of loading the whole member
            return session.execute(self._standing_query,
                                   {"member_id": principal.member_id}).first()

    @cached_property
    def _standing_query(self) -> Select:
        """The member's team_id, role, state and token_version, by its key."""
        mapper = inspect(self.member_record)
        table, [key] = mapper.local_table, mapper.primary_key
        return (select(table.c.team_id, table.c.role, table.c.state, table.c.token_version)
                .where(key == bindparam("member_id")))

    def create_schema(self) -> None:
        """Create every table directly (tests); deployments run Alembic migrations instead."""
        self.metadata.create_all(self.engine)

    # -- the worker side ------------------------------------------------------------------
    def handlers(self) -> dict[str, Handler]:
        return {}

    def jobs(self) -> list[ScheduledJob]:
        return []

    def retention_job(self) -> ScheduledJob:
        """Every worker keeps its outbox and inbox bounded (retentions from the settings)."""
        return ScheduledJob("messaging-retention", PURGE_SECONDS, self.purge_messaging_tables)

    def purge_messaging_tables(self) -> tuple[int, int]:
        return purge_expired(
            self.uow,
            self.metadata.tables["outbox"],
            self.metadata.tables["inbox"],
            outbox_retention=timedelta(days=self.settings.outbox_retention_days),
            inbox_retention=timedelta(days=self.settings.inbox_retention_days),
        )

    def relay(self, **options) -> OutboxRelay:
        return OutboxRelay(
            self.engine,
            self.metadata.tables["outbox"],
            lambda: make_producer(self.settings),
            self.waker,
            self.settings,
            **options,
        )

    def consumer(self, **options) -> ConsumerRunner:
        return ConsumerRunner(
            name=f"{self.settings.service}-consumer",
            topics=[self.settings.topic(t) for t in self.consumes],
            handlers=self.handlers(),
            uow_factory=self.uow,
            inbox=self.metadata.tables["inbox"],
            consumer_factory=lambda: make_consumer(self.settings, self.group_id),
            producer_factory=lambda: make_producer(self.settings),
            prefetch=self.prefetch,
            **options,
        )

    def prefetch(self, events: list, uow: UnitOfWork) -> None:
        """Before a batch's handlers run: load or lock what they will read, one statement per
        table instead of one per event. Optional; each service lists its own."""

    @property
    def group_id(self) -> str:
        return f"{self.settings.topic_prefix}goalkeeper-{self.settings.service}"

    def ensure_topics(self, *, served: bool = False) -> None:
        ensure_topics(self.settings, list(dict.fromkeys(self.consumes + self.publishes)),
                      served=served)

    @cached_property
    def lag_probe(self) -> LagProbe:
        """Consumer lag of this service's group and its outbox backlog (/status, /metrics)."""
        return LagProbe(self.settings.service, self.settings.kafka_bootstrap_servers,
                        self.group_id, [self.settings.topic(t) for t in self.consumes],
                        self.engine, self.metadata.tables["outbox"])

    def close(self) -> None:
        """Release what the container opened: the lag probe's Kafka clients (made on the first
        /status or /metrics; they refresh metadata in the background until closed) and the
        engine's pooled connections."""
        probe = self.__dict__.get("lag_probe")
        if probe is not None:
            probe.close()
        cache = self.__dict__.get("read_cache")
        if cache is not None:
            cache.close()
        if "engine" in self.__dict__:
            self.engine.dispose()

    def worker(self) -> Worker:
        """Relay, consumer and jobs; each job once per tick across replicas (`ticks_for`)."""
        loops: dict[str, Callable] = {"relay": self.relay().run}
        if self.consumes:
            loops["consumer"] = self.consumer().run
        port = self.settings.worker_metrics_port
        metrics = [MetricsEndpoint(self.lag_probe, port, self.settings.worker_metrics_host)]
        return Worker(self.settings.service, loops, jobs=[*self.jobs(), self.retention_job()],
                      ticks=ticks_for(self.engine, self.settings.service),
                      services=metrics if port else [])

    def run_worker(self) -> None:
        """The worker process's main: make sure topics exist, then run until SIGTERM (what
        the process made until then out of the garbage collector's reach, as a web worker's)."""
        from shared.observability import configure_logging
        from shared.runtime import freeze_boot_objects

        configure_logging(self.settings.log_level, self.settings.service)
        self.ensure_topics(served=True)
        worker = self.worker()
        freeze_boot_objects()
        worker.run_forever()
