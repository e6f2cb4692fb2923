"""Run Goalkeeper services inside a test: real databases, the real broker, real workers.

`ServiceHarness` builds one service's container from settings, creates its schema, gives a
Flask test client, and runs its worker (relay, consumer, jobs) in threads, or as a separate
process when a test needs to SIGKILL it.
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from shared.clock import Clock
from shared.config import REPO_ROOT, Settings
from shared.consumer import ConsumerStats

SECRET = "test-secret-key-of-the-suite"  # 16 characters or more: a public address takes it
ADMIN_TOKEN = "test-admin-token"


def service_env(
    service: str, database_url: str, bootstrap: str, topic_prefix: str, **extra: str
) -> dict[str, str]:
    """The environment a service process reads, as `Settings.from_env` understands it."""
    return {
        f"{service.upper()}_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "KAFKA_PARTITIONS": "3",
        "GOALKEEPER_SECRET_KEY": SECRET,
        "GOALKEEPER_ADMIN_TOKEN": ADMIN_TOKEN,
        "GOALKEEPER_WEBHOOK_ALLOWLIST": "127.0.0.1,localhost",
        "GOALKEEPER_LOG_LEVEL": "WARNING",
        **extra,
    }


@dataclass
class ServiceHarness:
    service: str
    env: dict[str, str]
    clock: Clock | None = None
    container: object = field(init=False)
    _worker: object = field(init=False, default=None)
    _process: subprocess.Popen | None = field(init=False, default=None)

    def __post_init__(self):
        config = importlib.import_module(f"services.{self.service}.config")
        settings = config.load(self.env).with_overrides(testing=True)
        module = importlib.import_module(f"services.{self.service}.bootstrap")
        self.container = module.bootstrap(settings, self.clock)
        self.container.create_schema()
        app_module = importlib.import_module(f"services.{self.service}.entrypoints.app")
        self.app = app_module.create_app(self.container)
        self.client = self.app.test_client()

    @property
    def settings(self) -> Settings:
        return self.container.settings

    # -- worker in threads ----------------------------------------------------------------
    def start_worker(self) -> None:
        self.container.ensure_topics()
        self._worker = self.container.worker()
        self._worker.start()

    @property
    def consumer_stats(self) -> ConsumerStats:
        """The counts (handled, retries, ...) of the consumer the in-thread worker runs."""
        return self._worker.loops["consumer"].__self__.stats

    def stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    # -- worker as a process --------------------------------------------------------------
    def spawn_worker(self) -> subprocess.Popen:
        self._process = self._spawn()
        return self._process

    def spawn_second_worker(self) -> subprocess.Popen:
        """Another worker process of the same service (it joins the consumer group)."""
        return self._spawn()

    @property
    def worker_log(self) -> str:
        """Where this harness's worker processes write their logs (read it when a test fails)."""
        name = f"gk-{self.env['KAFKA_TOPIC_PREFIX']}{self.service}.log"
        return os.path.join(tempfile.gettempdir(), name)

    def _spawn(self) -> subprocess.Popen:
        env = {**os.environ, **self.env, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.worker_log, "ab") as log:  # the child keeps its own descriptor
            return subprocess.Popen(
                [sys.executable, "-m", f"services.{self.service}.entrypoints.worker"],
                env=env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill_worker(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
            self._process = None

    def terminate_worker(self, timeout: float = 30) -> int:
        process, self._process = self._process, None
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout)

    def close(self) -> None:
        self.stop_worker()
        if self._process is not None:
            self.kill_worker()
        self.container.close()

    def ask_worker_to_stop(self) -> None:
        if self._worker is not None:
            self._worker.stop.set()

    # -- HTTP shortcuts -------------------------------------------------------------------
    def call(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.client.open(path, method=method, headers=headers, **kwargs)


def close_all(harnesses: list[ServiceHarness]) -> None:
    """Close `harnesses` in order, all their in-thread workers asked to stop first: each loop's
    last wait (a consumer's poll) then overlaps the others' instead of following them."""
    for harness in harnesses:
        harness.ask_worker_to_stop()
    for harness in harnesses:
        harness.close()


def scheduled_job(container, name: str):
    """The worker's scheduled job `name` (`ScheduledJob`: `.run()` runs it once now)."""
    (job,) = [job for job in container.jobs() if job.name == name]
    return job


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
