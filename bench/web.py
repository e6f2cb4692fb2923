"""HTTP load tools shared by the API and scale benchmarks.

- `gunicorn(spec, env)`: the app under infra/gunicorn.conf.py (the production config) on loopback.
- `wrk_run(...)`: closed-loop saturation with wrk (Lua scripts in bench/lua for headers/bodies).
- `paced(...)`: an open-loop, rate-limited client (wrk cannot limit its rate and wrk2 is not
  packaged for this Debian): requests are scheduled at fixed intervals and each latency is
  measured from its *scheduled* start, so a slow server is not hidden (no coordinated omission).
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.common import percentile
from infra.kafka_broker import free_port
from infra.run_command import subtree
from shared.config import WEB_THREADS, web_workers

REPO = Path(__file__).resolve().parent.parent
LUA = Path(__file__).parent / "lua"
GUNICORN_CONF = REPO / "infra" / "gunicorn.conf.py"


def gunicorn_shape() -> str:
    """How a table names the config its gunicorn ran under (this process's environment is
    the one gunicorn inherits)."""
    return (f"gunicorn -c infra/gunicorn.conf.py ({web_workers()} workers × {WEB_THREADS} "
            f"gthreads)")


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_s: float = 0.0  # CPU the app's gunicorn (master and workers) spent on the load
    database_cpu_s: float = 0.0  # and PostgreSQL (every process of the server)


@contextlib.contextmanager
def gunicorn(spec: str, env: dict[str, str], ready_path: str = "/healthz",
             launcher: list[str] | None = None) -> Iterator[str]:
    """Run `spec` under the production gunicorn config; yields the base URL."""
    with gunicorn_pid(spec, env, ready_path, launcher) as (url, _pid):
        yield url


@contextlib.contextmanager
def gunicorn_pid(spec: str, env: dict[str, str], ready_path: str = "/healthz",
                 launcher: list[str] | None = None) -> Iterator[tuple[str, int]]:
    """Run `spec` under the production gunicorn config; yields the base URL and the pid of the
    process started (gunicorn's master, or the launcher's).

    `launcher` runs gunicorn as its child (e.g. `py-spy record ... --`): at the end gunicorn
    is stopped first, so the launcher finishes its own work (writes its flame graph) and exits.
    """
    port = free_port()
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    log = tempfile.NamedTemporaryFile(prefix="gk-bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [*(launcher or []), str(gunicorn_bin), "-c", str(GUNICORN_CONF),
         "-b", f"127.0.0.1:{port}", spec],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **env},
        stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {spec} exited: {Path(log.name).read_text()[-3000:]}")
            try:
                status, _ = get(port, ready_path)
                if status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"gunicorn {spec} not ready")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        for child in children(process.pid) if launcher else ():
            os.kill(child, signal.SIGTERM)
        if not launcher:
            process.terminate()
        try:
            process.wait(60 if launcher else 30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def children(pid: int) -> list[int]:
    """The direct children of `pid` (Linux /proc)."""
    return [child for child, stat in subtree(pid).items() if stat.parent == pid]


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                       stdout=subprocess.DEVNULL)
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    return wrk


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unparsed wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk_run(url: str, script: str, env: dict[str, str], *, seconds: int = 8,
            connections: int = 16, threads: int = 1) -> Load:
    """Saturate `url` with wrk running bench/lua/`script`; script settings come from `env`."""
    out = subprocess.run(
        [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "--timeout", "10s", "-s", str(LUA / script), url],
        capture_output=True, text=True, env={**os.environ, **env}, timeout=seconds + 60,
        check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Load(rps, p50, p99, errors, requests)


def paced(port: int, make_request, rate: float, seconds: float, threads: int = 16) -> Load:
    """Open loop at `rate` requests/s for `seconds`; `make_request(i)` -> (method, path, body,
    headers). Latency = response end - scheduled start."""
    total = int(rate * seconds)
    counter = itertools.count()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.2

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        bad = 0
        while (i := next(counter)) < total:
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            method, path, body, headers = make_request(i)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 300:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append((time.perf_counter() - due) * 1000)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(seconds + 120)
    elapsed = time.perf_counter() - start
    return Load(len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99),
                errors[0], len(latencies))
