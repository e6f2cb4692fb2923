"""Worker replicas as real processes, each named in PostgreSQL (`application_name`), so a test
can tell which replica holds an advisory lock and SIGKILL exactly that one."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile

from sqlalchemy import Engine, text

from shared.config import REPO_ROOT
from shared.messaging_tables import wake_channel


def named_url(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


class Replica:
    """One worker process of `service`; its database sessions carry `name`."""

    def __init__(self, service: str, env: dict[str, str], name: str, *,
                 module: str | None = None, args: tuple[str, ...] = ()):
        key = f"{service.upper()}_DATABASE_URL"
        self.name = name
        self.env = {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT)}
        if key in env:
            self.env[key] = named_url(env[key], name)
        self.command = [sys.executable, "-m",
                        module or f"services.{service}.entrypoints.worker", *args]
        self.log = os.path.join(tempfile.gettempdir(), f"gk-replica-{name}.log")
        self.process: subprocess.Popen | None = None

    def start(self) -> Replica:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(self.command, env=self.env, cwd=REPO_ROOT,
                                            stdout=log, stderr=subprocess.STDOUT)
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no draining, no unlock; PostgreSQL notices the dropped connection."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def advisory_holders(engine: Engine, key: int) -> list[str]:
    """The `application_name`s of the sessions holding advisory lock `key`."""
    sql = text(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND ((l.classid::bigint << 32) | l.objid::bigint) = :key"
    )
    with engine.connect() as conn:
        return sorted(row[0] for row in conn.execute(sql, {"key": key}))


def relay_key(settings) -> int:
    """The advisory lock key the outbox relay of `settings.service` takes (`shared.outbox`)."""
    return int(hashlib.sha1(wake_channel(settings.service).encode()).hexdigest()[:15], 16)
