"""`python -m infra.run` as a child process, started the way a user starts it, for the code that
drives the run command from outside (tests/test_run_command.py, bench.idle).

It runs on free loopback ports in a run directory of its own and in a session of its own, so a
signal to its group reaches it as a terminal's Ctrl-C or hang-up would. Its console is read line
by line. Every process under it is followed through /proc: honcho starts each Procfile process
in a session of its own, so the process group does not hold them."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

from infra.kafka_broker import REPO_ROOT, free_broker_port, free_port
from shared.config import SERVICES

BANNER = "Goalkeeper is running"
READY = "Press Ctrl-C to stop everything"  # the banner's last line


class ProcStat(NamedTuple):
    state: str
    parent: int
    started_at: int  # clock ticks after boot: with the pid, names one process for good
    cpu_ticks: int  # utime + stime
    reaped_cpu_ticks: int  # cutime + cstime: of its children that ended and were waited for


def process_stat(pid: int) -> ProcStat | None:
    """From /proc/<pid>/stat, or None once the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return ProcStat(fields[0], int(fields[1]), int(fields[19]),
                        int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14]))
    except (OSError, IndexError, ValueError):
        return None


def running(pid: int) -> bool:
    stat = process_stat(pid)
    return stat is not None and stat.state != "Z"


def subtree(root: int) -> dict[int, ProcStat]:
    """`root` and every process under it, whatever session each one is in."""
    table = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := process_stat(int(entry.name))):
            table[int(entry.name)] = stat
    found, frontier = {root}, {root}
    while frontier:
        frontier = {pid for pid, stat in table.items() if stat.parent in frontier} - found
        found |= frontier
    return {pid: table[pid] for pid in found if pid in table}


def free_ports() -> dict[str, int]:
    """A free port for the broker (and its controller, one up), the web app and each service."""
    ports = {"kafka": free_broker_port()}
    while len(ports) < 2 + len(SERVICES):
        port = free_port()
        if port not in ports.values() and port != ports["kafka"] + 1:
            ports[("web", *SERVICES)[len(ports) - 1]] = port
    return ports


def run_env(run_dir: Path, ports: dict[str, int], **extra: str) -> dict[str, str]:
    """This environment without what points Goalkeeper elsewhere (databases, broker, topic
    prefix, ports, tokens), plus the run directory, the ports and `extra`."""
    env = {name: value for name, value in os.environ.items()
           if not name.endswith("_DATABASE_URL")
           and not name.startswith(("GOALKEEPER_", "KAFKA_", "WEB_"))
           and name not in {f"{s.upper()}_PORT" for s in SERVICES}}
    env.update({"GOALKEEPER_RUN_DIR": str(run_dir),
                "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports['kafka']}",
                "WEB_PORT": str(ports["web"]),
                **{f"{s.upper()}_PORT": str(ports[s]) for s in SERVICES}, **extra})
    return env


class RunCommand:
    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.seen: set[tuple[int, int]] = set()  # (pid, start time) of every process under it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.run"], cwd=REPO_ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def console(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        raise TimeoutError(f"no line matching {pattern!r}; console:\n{self.console()[-6000:]}")

    def named(self) -> dict[str, int]:
        """Each Procfile process's pid, from honcho's "<name> started (pid=N)" lines."""
        return {m.group(1): int(m.group(2)) for line in list(self.lines)
                if (m := re.search(r"\| (\S+) started \(pid=(\d+)\)", line))}

    def processes(self) -> set[int]:
        """The run command and every process under it (each also kept in `seen`)."""
        tree = subtree(self.process.pid)
        self.seen.update((pid, stat.started_at) for pid, stat in tree.items())
        return set(tree)

    def signal_group(self, signum: int) -> None:
        """`signum` to the run command's process group, as a terminal sends Ctrl-C (SIGINT)
        or, when it is closed, SIGHUP."""
        os.killpg(self.process.pid, signum)

    def wait_until_stopped(self, started: set[int], timeout: float = 90,
                           grace: float = 30) -> list[int]:
        """Wait for the run command to exit (subprocess.TimeoutExpired after `timeout`), then
        up to `grace` for each of `started` to end; the pids still running after that."""
        self.process.wait(timeout=timeout)
        deadline = time.monotonic() + grace
        while (left := [pid for pid in started if running(pid)]) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        return left

    def kill(self) -> None:
        """Whatever is left of what it started, even what it no longer parents (it may have
        died first)."""
        self.processes()
        for pid, started_at in self.seen:
            stat = process_stat(pid)
            if stat is not None and stat.state != "Z" and stat.started_at == started_at:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.process.wait(timeout=30)
