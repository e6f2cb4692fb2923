"""Production gunicorn settings for the three web services (also used by benchmarks)."""

import os
import shutil
import tempfile

# Prometheus multiprocess mode: every worker writes its samples to files in one directory and
# /metrics sums them, so a scrape sees the whole service, not the one worker that answered.
# The directory is made fresh for each gunicorn master (set PROMETHEUS_MULTIPROC_DIR to choose
# it; it is emptied at start).
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="goalkeeper-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = 4
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
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
