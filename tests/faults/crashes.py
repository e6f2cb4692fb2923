"""Crashes as they happen: processes killed with SIGKILL, no chance to shut down cleanly."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path


def postgres_processes(pgdata: Path) -> list[int]:
    """The postmaster (first line of `postmaster.pid`) and every backend it forked."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    return [postmaster, *children_of(postmaster)]


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return children


def sigkill_postgres(server, down_for: float) -> int:
    """SIGKILL the postmaster and all its backends at once, keep it down for `down_for`
    seconds, then start it on the same data (crash recovery replays the WAL).
    Returns how many processes were killed."""
    pids = postgres_processes(server.pgdata)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    time.sleep(down_for)
    server.start()
    return len(pids)


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
