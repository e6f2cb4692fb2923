"""What every benchmark shares: throwaway servers, timing, and writing a result table."""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from infra.kafka_broker import KafkaBroker, free_port
from infra.postgres_server import PostgresServer, ensure_postgres_installed
from infra.run_command import subtree

RESULTS = Path(__file__).parent / "results"
REPO = Path(__file__).resolve().parent.parent
BUSY_LOAD = 1.5  # a run that starts above this load average says so at the top of its table
LOAD_AT_START = os.getloadavg()  # a benchmark imports this module first thing


def cpu_times() -> tuple[int, int]:
    """(stolen, total) CPU ticks since boot, from /proc/stat ((0, 0) where it is missing):
    on a virtual machine, the time the hypervisor gave this machine's CPUs to others."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(f) for f in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


CPU_AT_START = cpu_times()


def cpu_seconds(root: int) -> float:
    """CPU time (user and system) spent so far by `root` and every process under it, those
    that ended included once their parent waited for them (a gunicorn worker replaced after
    its `max_requests`, a PostgreSQL backend whose connection closed)."""
    ticks = sum(stat.cpu_ticks + stat.reaped_cpu_ticks for stat in subtree(root).values())
    return ticks / os.sysconf("SC_CLK_TCK")


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


def analyze(engine) -> None:
    """Give the planner statistics of freshly seeded tables, as autovacuum keeps them in a
    deployment that has been running: without them a query planned in the first minute after
    seeding sees a 10,000-goal team as a dozen rows."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


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


def commit() -> str:
    """The commit measured, with `+changes` when the work tree differs from it (the result
    tables that benchmarks write themselves aside)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout

    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                ":(exclude)bench/results").strip()
    return f"{head}+changes" if dirty else head


COMMIT_AT_START = commit()  # what the run loaded, whatever is committed while it runs


LoadAverage = tuple[float, float, float]


def conditions(load_before: LoadAverage, load_after: LoadAverage,
               cpu_before: tuple[int, int] | None = None) -> str:
    """One line naming the machine, the commit, the load average around the run and, on a
    virtual machine, the share of CPU time stolen by its host during the run (a load average
    does not show it; a run with much stolen time is slower throughout)."""
    line = (f"Measured {time.strftime('%Y-%m-%d')} at commit `{COMMIT_AT_START}` on {machine()}; "
            f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    stolen, total = (a - b for a, b in zip(cpu_times(), cpu_before or CPU_AT_START, strict=True))
    if total > 0:
        line += f"; CPU time stolen by the host during the run {100 * stolen / total:.0f}%"
    return line + "."


def busy_warning(advice: str) -> list[str]:
    """The lines a result table opens with when its run started above the busy mark."""
    if LOAD_AT_START[0] <= BUSY_LOAD:
        return []
    return [f"> **Busy machine:** this run started at a load average of {LOAD_AT_START[0]:.2f} "
            f"(above {BUSY_LOAD}); {advice}", ""]


def write_table(name: str, title: str, header: list[str], rows: list[list], notes: str = "") -> str:
    lines = [f"### {title}", ""]
    lines += busy_warning("compare its ratios, not its absolute rates.")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines += ["", conditions(LOAD_AT_START, os.getloadavg()) + (f" {notes}" if notes else "")]
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)
    return text
