"""Crashes as they happen: processes killed with SIGKILL, no chance to shut down cleanly."""

from __future__ import annotations

import os
import signal
import time

from infra.run_command import running, subtree


def sigkill_postgres(server, down_for: float) -> int:
    """SIGKILL the postmaster and all its backends at once, keep it down for `down_for`
    seconds, then start it on the same data (crash recovery replays the WAL).
    Returns how many processes were killed."""
    pids = list(subtree(server.postmaster_pid()))  # the postmaster and every backend
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while any(running(pid) for pid in pids):
        time.sleep(0.05)
    time.sleep(down_for)
    server.start()
    return len(pids)

