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
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import REPO, write_table
from bench.memory import rss_mib
from bench.web import children
from infra.kafka_broker import free_broker_port, free_port
from shared.config import SERVICES

TICKS = os.sysconf("SC_CLK_TCK")


def subtree(pid: int) -> list[int]:
    found, frontier = [pid], [pid]
    while frontier:
        frontier = [child for parent in frontier for child in children(parent)]
        found += frontier
    return found


def cpu_ticks(pid: int) -> int:
    """utime + stime of `pid` (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def run_env(run_dir: str) -> dict[str, str]:
    kafka = free_broker_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    env.update({"GOALKEEPER_RUN_DIR": run_dir, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka}",
                "WEB_PORT": str(free_port()),
                **{f"{s.upper()}_PORT": str(free_port()) for s in SERVICES}})
    return env


def measure(settle: float, seconds: float) -> list[list]:
    with tempfile.TemporaryDirectory(prefix="goalkeeper-idle-") as run_dir:
        process = subprocess.Popen([sys.executable, "-m", "infra.run"], cwd=REPO,
                                   env=run_env(run_dir), text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
        try:
            deadline = time.monotonic() + 300
            while not any("Goalkeeper is running" in line for line in lines):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the run command did not start:\n" + "".join(lines))
                time.sleep(0.5)
            time.sleep(settle)
            # honcho's "<name> started (pid=N)" lines name each Procfile process
            named = {m.group(1): int(m.group(2)) for line in lines
                     if (m := re.search(r"\| (\S+) started \(pid=(\d+)\)", line))}
            trees = {name: subtree(pid) for name, pid in named.items()}
            before = {name: sum(cpu_ticks(p) for p in pids) for name, pids in trees.items()}
            time.sleep(seconds)
            rows = []
            for name, pids in sorted(trees.items()):
                used = (sum(cpu_ticks(p) for p in pids) - before[name]) / TICKS
                alive = [p for p in pids if Path(f"/proc/{p}").exists()]
                rows.append([name, len(alive), used / seconds * 100,
                             sum(rss_mib(p) for p in alive)])
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=90)
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
