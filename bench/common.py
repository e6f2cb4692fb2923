"""What every benchmark shares: throwaway servers, timing, and writing a result table."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.kafka_broker import KafkaBroker, free_port
from infra.postgres_server import PostgresServer, ensure_postgres_installed

RESULTS = Path(__file__).parent / "results"


@dataclass
class Servers:
    kafka: KafkaBroker
    postgres: PostgresServer


@contextlib.contextmanager
def servers() -> Iterator[Servers]:
    """A throwaway Kafka broker and PostgreSQL server on loopback, stopped afterwards."""
    ensure_postgres_installed()
    _exit_on_sigterm()
    with tempfile.TemporaryDirectory(prefix="gk-bench-") as scratch:
        kafka = KafkaBroker(Path(scratch) / "kafka", free_port(), heap="1g")
        pg_dir = Path(tempfile.mkdtemp(prefix="gk-bench-pg-", dir="/tmp"))
        postgres = PostgresServer(pg_dir, free_port())
        kafka.start()
        postgres.start()
        try:
            yield Servers(kafka, postgres)
        finally:
            postgres.stop()
            kafka.stop()
            shutil.rmtree(pg_dir, ignore_errors=True)


def _exit_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so the broker and PostgreSQL are stopped, not orphaned."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class Timer:
    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def quiet_logs() -> None:
    """Only errors from kafka-python (its event-loop timing warnings are noise under load)."""
    import logging

    for name in ("kafka", "kafka.net", "kafka.coordinator", "kafka.consumer", "kafka.producer"):
        logging.getLogger(name).setLevel(logging.ERROR)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> str:
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, " \
           f"Python {platform.python_version()}"


def write_table(name: str, title: str, header: list[str], rows: list[list], notes: str = "") -> str:
    lines = [f"### {title}", "", "| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines += ["", f"Measured {time.strftime('%Y-%m-%d')} on {machine()}."
              + (f" {notes}" if notes else "")]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)
    return text
