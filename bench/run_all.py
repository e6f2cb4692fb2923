"""Run every benchmark, one after the other, and gather their tables.

`python -m bench.run_all [name ...]` (or `make bench`) runs `python -m bench.<name>` for
events, api, e2e, memory, scale, health_reeval, web_pages and idle (each starts and stops its
own throwaway broker and PostgreSQL, or the run command, so they never load the machine at the
same time; before each one it waits, a few minutes at most, for the load the previous one left
to fall below `bench.common.BUSY_LOAD`), then writes bench/results/README-tables.md with every
table in bench/results/ — fresh ones, and the previous table of any benchmark that failed,
marked so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

from bench.common import BUSY_LOAD, RESULTS

BENCHMARKS = ("events", "api", "e2e", "memory", "scale", "health_reeval", "web_pages", "idle")
ARGS = {"health_reeval": ["--postgres"]}  # the README's table has both engines
TIME_LIMIT_S = {"events": 1800, "api": 1800, "e2e": 1200, "scale": 1200, "health_reeval": 1800,
                "web_pages": 900, "memory": 1200, "idle": 600}
QUIET_WAIT_S = 240  # the longest a benchmark waits for the one before it to stop showing
QUIET_POLL_S = 5


def wait_for_quiet(limit_s: float = QUIET_WAIT_S, *,
                   load: Callable[[], float] = lambda: os.getloadavg()[0],
                   sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> float:
    """Wait until the one-minute load average is below BUSY_LOAD, or `limit_s` has passed;
    the load it ends at. The average trails the benchmark before by about a minute, and a
    table started above BUSY_LOAD says so; on a machine others keep busy it stays high, and
    the benchmark then starts anyway."""
    deadline = clock() + limit_s
    current = load()
    while current >= BUSY_LOAD and clock() < deadline:
        sleep(QUIET_POLL_S)
        current = load()
    return current


def collect(failed: list[str] = ()) -> None:
    """Gather every benchmark's latest table into bench/results/README-tables.md."""
    parts = ["Reproduce with `make bench` (all) or `.venv/bin/python -m bench.<name>` "
             "(one). Every figure is a ratio measured side by side in the same run.", ""]
    for name in BENCHMARKS:
        table = RESULTS / f"{name}.md"
        if not table.exists():
            continue
        if name in failed:
            parts.append(f"_bench.{name} failed in the last run; its previous table follows._\n")
        parts.append(table.read_text())
    (RESULTS / "README-tables.md").write_text("\n".join(parts))
    print(f"wrote {RESULTS / 'README-tables.md'}; failed: {list(failed) or 'none'}")


def main(names: list[str]) -> int:
    failed = []
    for name in names:
        waited = time.monotonic()
        load = wait_for_quiet()
        began = time.monotonic()
        print(f"== bench.{name} (load {load:.2f} after waiting {began - waited:.0f} s)",
              flush=True)
        try:
            code = subprocess.run([sys.executable, "-m", f"bench.{name}", *ARGS.get(name, [])],
                                  timeout=TIME_LIMIT_S[name]).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        print(f"== bench.{name}: exit {code} after {time.monotonic() - began:.0f} s", flush=True)
        if code != 0:
            failed.append(name)
    collect(failed)
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--collect"]:
        collect()
        sys.exit(0)
    sys.exit(main(sys.argv[1:] or list(BENCHMARKS)))
