"""Idle cost of `make run`: CPU and memory of every process while nothing happens.

`python -m bench.idle [--settle 20] [--seconds 60]` starts the run command
(`python -m infra.run`: its own broker, SQLite, the web app, each service's gunicorn and
worker) in a fresh run directory on free ports, waits for its banner and `--settle` seconds
more (the first lead's team is made, the first events relayed), then reads each process's CPU
time (utime + stime, its children included: the broker's JVM, gunicorn's workers) and resident
memory from /proc over `--seconds`, and stops it with Ctrl-C (SIGINT). What an idle process
spends is its polling: the relays' and the deliverer's waits, the consumers' polls, the
broker's own housekeeping. No target: the table is what a laptop pays to keep Goalkeeper up.
"""

from __future__ import annotations

import argparse
import os
import signal
import tempfile
import time
from pathlib import Path

from bench.common import write_table
from bench.memory import rss_mib
from infra.run_command import READY, RunCommand, free_ports, run_env, subtree

TICKS = os.sysconf("SC_CLK_TCK")


def measure(settle: float, seconds: float) -> list[list]:
    """Per Procfile process: its processes, CPU as a % of one core and RSS in MiB. A process
    counts if it ran through the whole window (the same pid and start time at both ends)."""
    with tempfile.TemporaryDirectory(prefix="goalkeeper-idle-") as run_dir:
        run = RunCommand(run_env(Path(run_dir), free_ports()))
        try:
            run.wait_for_line(READY, timeout=300)
            time.sleep(settle)
            roots = run.named()
            before = {name: subtree(pid) for name, pid in roots.items()}
            time.sleep(seconds)
            rows = []
            for name, pid in sorted(roots.items()):
                kept = {p: stat for p, stat in subtree(pid).items()
                        if p in before[name] and before[name][p].started_at == stat.started_at}
                used = sum(stat.cpu_ticks - before[name][p].cpu_ticks
                           for p, stat in kept.items()) / TICKS
                rows.append([name, len(kept), used / seconds * 100,
                             sum(rss_mib(p) for p in kept)])
            run.signal_group(signal.SIGINT)  # Ctrl-C
            run.wait_until_stopped(run.processes())
        finally:
            run.kill()
    total = ["**all**", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)]
    return [[r[0], r[1], f"{r[2]:.1f}", f"{r[3]:.0f}"] for r in [*rows, total]]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.idle")
    parser.add_argument("--settle", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    rows = measure(args.settle, args.seconds)
    write_table("idle", "Idle: what `make run` costs while nothing happens",
                ["process (Procfile name)", "processes", "CPU, % of one core", "RSS MiB"], rows,
                f"`python -m infra.run` in a fresh run directory (SQLite, its own broker); "
                f"measured over {args.seconds:.0f} s from {args.settle:.0f} s after its banner; "
                "each row counts a process and its children (the broker's JVM, gunicorn's "
                "workers). `python -m bench.idle`.")


if __name__ == "__main__":
    main()
