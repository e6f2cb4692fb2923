"""A service's worker process: outbox relay, Kafka consumer and scheduled jobs, one thread each.

SIGTERM or SIGINT sets `stop`: the consumer finishes its batch and commits, the relay finishes
its round, jobs finish their tick, and the process exits.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass
class ScheduledJob:
    name: str
    interval: float
    run: Callable[[], object]

    def loop(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                self.run()
            except Exception:  # a failing tick is logged and retried at the next one
                log.exception("job %s failed", self.name)


class Worker:
    def __init__(self, name: str, loops: dict[str, Callable[[threading.Event], None]]):
        self.name = name
        self.loops = loops
        self.stop = threading.Event()
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
