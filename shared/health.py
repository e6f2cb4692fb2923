"""Liveness, readiness and lag: `/healthz` answers when the process does, `/readyz` checks the
database and the broker, `/status` reports how far behind the service is (its consumer group's
lag per partition and its unsent outbox rows, `shared.lag`), without failing readiness on it."""

from __future__ import annotations

import socket
import threading
import time

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text


class BrokerProbe:
    """Whether a bootstrap broker accepts connections; cached briefly to keep /readyz cheap."""

    def __init__(self, bootstrap_servers: str, ttl: float = 2.0, timeout: float = 1.0):
        self.servers = [s.strip() for s in bootstrap_servers.split(",") if s.strip()]
        self.ttl = ttl
        self.timeout = timeout
        self._cached: tuple[float, str | None] = (0.0, None)
        self._lock = threading.Lock()

    def check(self) -> str | None:
        """None when reachable, else the reason."""
        with self._lock:
            checked_at, result = self._cached
            if time.monotonic() - checked_at < self.ttl:
                return result
            result = self._probe()
            self._cached = (time.monotonic(), result)
            return result

    def _probe(self) -> str | None:
        errors = []
        for server in self.servers:
            host, _, port = server.rpartition(":")
            try:
                socket.create_connection((host or "127.0.0.1", int(port)), self.timeout).close()
                return None
            except (OSError, ValueError) as exc:
                errors.append(f"{server}: {exc}")
        return "; ".join(errors) or "no bootstrap servers configured"


def health_blueprint(engine_of, probe_of) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():
        return jsonify(status="ok", service=current_app.name)

    @bp.get("/readyz")
    def readyz():
        checks = {}
        try:
            with engine_of().connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # any database failure means not ready
            checks["database"] = f"error: {exc.__class__.__name__}"
        broker_error = probe_of().check()
        checks["broker"] = "ok" if broker_error is None else f"error: {broker_error}"
        ready = all(v == "ok" for v in checks.values())
        return jsonify(
            status="ready" if ready else "not ready", checks=checks
        ), 200 if ready else 503

    @bp.get("/status")
    def status():
        probe = getattr(current_app.extensions.get("goalkeeper"), "lag_probe", None)
        if probe is None:
            return jsonify(service=current_app.name, lag="not measured")
        return jsonify(probe.report().as_dict())

    return bp
