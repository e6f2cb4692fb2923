"""Serving a local stand-in server (Slack, Teams, a WSGI app) from a thread of the test process."""

from __future__ import annotations

import socketserver
import threading

SHUTDOWN_POLL_S = 0.05  # socketserver's default, 0.5 s, is what each stop() would wait


def serving_thread(server: socketserver.BaseServer) -> threading.Thread:
    """A daemon thread (not started) that serves `server` until `server.shutdown()`, which then
    returns within `SHUTDOWN_POLL_S`."""
    return threading.Thread(target=server.serve_forever, args=(SHUTDOWN_POLL_S,), daemon=True)
