"""A service's worker process: outbox relay, Kafka consumer and scheduled jobs, one thread each.

SIGTERM or SIGINT sets `stop`: the consumer finishes its batch and commits, the relay finishes
its round, jobs finish their tick, and the process exits.

Replicas: several worker processes of one service may run at once. The consumer group splits
the partitions between them, the outbox relay is elected by an advisory lock
(`shared.outbox`), and each scheduled job runs once per tick across all of them (`JobLeases`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from shared.db import end_session

log = logging.getLogger(__name__)


class LocalTicks:
    """Ticks for a single worker process: every tick is this process's own.

    SQLite is a local, single-process database by design (`make run`): one worker per service,
    so there is nobody to share a tick with."""

    def now(self) -> float:
        return time.time()

    def claim(self, job: str, interval: float) -> int | None:
        return int(self.now() // interval)

    def close(self) -> None:
        pass


class JobLeases:
    """Once per tick across replicas, on PostgreSQL.

    Ticks are numbered on the database server's clock (`floor(epoch / interval)`), one clock
    for every replica. A replica runs a job only while it holds that job's session advisory
    lock, all held on one dedicated connection: a replica that dies (SIGKILL included) drops the
    connection and with it its leases, and another takes the job over.

    A new holder skips the tick in which it took the lease, because the previous holder may
    have run that tick just before it died; it runs the next one. So a tick runs at most once
    (a tick in which the holder died before running is skipped, never repeated), and the jobs
    catch up on the next tick as they always do.
    """

    def __init__(self, engine: Engine, scope: str):
        self.engine = engine
        self.scope = scope
        self._connection: Connection | None = None
        self._last_tick: dict[str, int] = {}  # held job -> the last tick it ran (or skipped)
        self._offset = 0.0  # the database clock minus ours, as last seen
        self._mutex = threading.Lock()

    def now(self) -> float:
        """Epoch seconds on the database's clock (as of the last claim)."""
        return time.time() + self._offset

    def lock_key(self, job: str) -> int:
        digest = hashlib.sha1(f"goalkeeper-job:{self.scope}:{job}".encode()).hexdigest()
        return int(digest[:15], 16)

    def claim(self, job: str, interval: float) -> int | None:
        """The tick to run now, or None: not the lease holder, or this tick already ran."""
        with self._mutex:
            try:
                held, db_now = self._ask(job)
            except SQLAlchemyError as exc:  # the connection is gone and every lease with it
                log.warning("job leases of %s lost: %s", self.scope, exc)
                self._drop()
                return None
            tick = int(db_now // interval)
            if job not in self._last_tick:
                if held:
                    self._last_tick[job] = tick  # taken over now: the next tick is ours
                    log.info("%s: job %s leased from tick %d", self.scope, job, tick)
                return None
            if tick <= self._last_tick[job]:
                return None
            self._last_tick[job] = tick
            return tick

    def holds(self, job: str) -> bool:
        return job in self._last_tick

    def close(self) -> None:
        with self._mutex:
            self._drop()

    def _ask(self, job: str) -> tuple[bool, float]:
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(
                isolation_level="AUTOCOMMIT"
            )
        clock = "extract(epoch from clock_timestamp())"
        if job in self._last_tick:
            db_now = self._connection.execute(text(f"SELECT {clock}")).scalar_one()
            held = True
        else:
            held, db_now = self._connection.execute(
                text(f"SELECT pg_try_advisory_lock(:key), {clock}"), {"key": self.lock_key(job)}
            ).one()
        self._offset = float(db_now) - time.time()
        return bool(held), float(db_now)

    def _drop(self) -> None:
        self._last_tick.clear()
        if self._connection is not None:
            try:
                end_session(self._connection)  # the server releases the session's locks
            except SQLAlchemyError:
                log.debug("job leases: close failed", exc_info=True)
            self._connection = None


def ticks_for(engine: Engine, scope: str) -> LocalTicks | JobLeases:
    """Job leases on PostgreSQL (replicas share ticks), local ticks on SQLite."""
    if engine.dialect.name == "postgresql":
        return JobLeases(engine, scope)
    return LocalTicks()


@dataclass
class ScheduledJob:
    """A job run every `interval` seconds, on tick boundaries (multiples of `interval` since the
    epoch), once per tick across every replica that shares `ticks`."""

    name: str
    interval: float
    run: Callable[[], object]
    last_tick: int | None = None  # the tick being run, or last run, by this replica
    ticks: LocalTicks | JobLeases | None = None  # shared with the other replicas (the worker's)

    def loop(self, stop: threading.Event) -> None:
        ticks = self.ticks or LocalTicks()
        ticks.claim(self.name, self.interval)  # take the lease early: the first tick is ours
        while not stop.wait(self._until_next_tick(ticks.now())):
            tick = ticks.claim(self.name, self.interval)
            if tick is None:
                continue
            self.last_tick = tick
            try:
                self.run()
            except Exception:  # a failing tick is logged and retried at the next one
                log.exception("job %s failed", self.name)

    def _until_next_tick(self, now: float) -> float:
        following = (math.floor(now / self.interval) + 1) * self.interval
        return max(following - now, 0.0) + 0.001  # land just inside the next tick


class Stop(threading.Event):
    """A worker's stop flag that a loop can also wait on in `select()` beside its sockets
    (`fileno`): readable once set, so a loop asleep on its wake-ups ends at once, not at its
    next look at the flag."""

    def __init__(self) -> None:
        super().__init__()
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)

    def set(self) -> None:
        super().set()
        if self._write >= 0:
            with contextlib.suppress(OSError):  # the pipe is full: readable already
                os.write(self._write, b"1")  # never read: it stays readable

    def fileno(self) -> int:
        return self._read

    def close(self) -> None:
        """Let go of the pipe, once no loop waits on it any more."""
        for fd in (self._read, self._write):
            if fd >= 0:
                os.close(fd)
        self._read = self._write = -1


class Worker:
    def __init__(
        self,
        name: str,
        loops: dict[str, Callable[[threading.Event], None]],
        *,
        jobs: list[ScheduledJob] = (),
        ticks: LocalTicks | JobLeases | None = None,
        services: list[Callable[[threading.Event], None]] = (),
    ):
        """`loops` run until stopped (relay, consumer); `jobs` run on ticks shared through
        `ticks`; `services` are extra loops such as the metrics endpoint."""
        self.name = name
        self.ticks = ticks or LocalTicks()
        self.loops = dict(loops)
        for job in jobs:
            job.ticks = self.ticks
            self.loops[job.name] = job.loop
        for index, service in enumerate(services):
            self.loops[getattr(service, "loop_name", f"service-{index}")] = service
        self.stop = Stop()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for loop_name, loop in self.loops.items():
            thread = threading.Thread(
                target=self._guard, args=(loop_name, loop), name=f"{self.name}-{loop_name}"
            )
            thread.start()
            self.threads.append(thread)
        log.info("worker %s started: %s", self.name, ", ".join(self.loops))

    def run_forever(self) -> None:
        """Entry point of the worker process: start, wait for a signal, drain, exit."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        self.start()
        while not self.stop.wait(0.5):
            pass
        self.join()

    def join(self, timeout: float = 30) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout)
        if not any(thread.is_alive() for thread in self.threads):
            self.stop.close()
        self.ticks.close()  # hand the job leases over at once
        log.info("worker %s stopped", self.name)

    def _on_signal(self, signum, _frame) -> None:
        log.info("worker %s: signal %d, draining", self.name, signum)
        self.stop.set()

    def _guard(self, loop_name: str, loop: Callable[[threading.Event], None]) -> None:
        while not self.stop.is_set():
            try:
                loop(self.stop)
                return
            except Exception:  # a crashed loop restarts: the worker must keep publishing
                log.exception("worker %s: loop %s crashed, restarting", self.name, loop_name)
                self.stop.wait(1.0)
