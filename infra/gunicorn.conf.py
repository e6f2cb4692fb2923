"""Production gunicorn settings for the three web services (also used by benchmarks)."""

import os
import shutil
import tempfile

from shared.config import WEB_THREADS, web_workers

# Prometheus multiprocess mode: every worker writes its samples to files in one directory and
# /metrics sums them, so a scrape sees the whole service, not the one worker that answered.
# The directory is made fresh for each gunicorn master (set PROMETHEUS_MULTIPROC_DIR to choose
# it; it is emptied at start).
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="goalkeeper-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

workers = web_workers()
worker_class = "gthread"
threads = WEB_THREADS
timeout = 30
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (a bound on any slow leak; the memory table in
# the README shows a worker's size after its load). Each replacement boots the app again (about
# a second of CPU) while the other worker takes its share, so the requests around it wait: at
# 2,000 the bench's saturated GET /v1/goals/{id} had a p99 of 811-993 ms in the rounds with a
# replacement, 56-74 ms at 20,000 (same run, alternating).
max_requests = 20_000
max_requests_jitter = 2_000
control_socket_disable = True
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
_level = os.environ.get("GOALKEEPER_LOG_LEVEL", "info").lower()
loglevel = "warning" if _level == "warn" else _level
errorlog = "-"
accesslog = "-"
access_log_format = (
    '{"time": "%(t)s", "remote": "%(h)s", "method": "%(m)s", "path": "%(U)s", '
    '"query": "%(q)s", "status": %(s)s, "bytes": "%(B)s", "duration_ms": %(M)s, '
    '"request_id": "%({x-request-id}i)s", "agent": "%(a)s"}'
)


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Once the worker has loaded the app: what it made is out of the collector's reach (both
    workers would otherwise stop for a full collection at about the same request count)."""
    from shared.runtime import freeze_boot_objects

    freeze_boot_objects()
