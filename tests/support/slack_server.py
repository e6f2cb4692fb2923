"""A local HTTP server that behaves like Slack's incoming webhooks, scripted per test.

Each POST takes the next scripted reply (default `200 ok`): a status, a body, headers such as
`Retry-After`, an optional delay before answering, and `drop` (the message is processed,
posted as Slack would, then the connection is closed before any answer: the sender cannot know
it arrived). Every request is recorded with the moment it arrived, so tests can assert
retries, waits, pacing and duplicates.

An outage (`fail_for`) answers every POST with its failures in turn for a span of time that
begins with the first POST it meets, then the script resumes: a delivery that backs off meets
it for as long as it lasts, however many attempts that takes.

Like Slack's incoming webhooks, the server has no idempotency key: a message posted twice is
shown twice. `duplicates()` counts what a channel's readers would see twice.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.http_reply import send_reply
from tests.support.serving import serving_thread
from tests.support.waiting import eventually


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: str = "ok"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


OK = Reply()


def processed_then_dropped() -> Reply:
    """Slack posts the message, then the connection breaks before the `200 ok` is sent."""
    return Reply(200, "ok", drop=True)


def too_many_requests(retry_after: int = 2) -> Reply:
    return Reply(429, "rate_limited", {"Retry-After": str(retry_after)})


def server_error() -> Reply:
    return Reply(500, "internal_error")


def archived() -> Reply:
    return Reply(410, "channel_is_archived")


def not_found() -> Reply:
    return Reply(404, "channel_not_found")


@dataclass
class Outage:
    """Failures in turn for `seconds` from the first POST that meets it (`began`)."""

    seconds: float
    replies: tuple[Reply, ...]
    began: float | None = None
    failed: int = 0  # POSTs answered with one of `replies`

    def reply(self, now: float) -> Reply | None:
        """The failure for a POST arriving `now`, or None once the outage is over."""
        if self.began is None:
            self.began = now
        if now - self.began >= self.seconds:
            return None
        reply = self.replies[self.failed % len(self.replies)]
        self.failed += 1
        return reply

    def wait_over(self, timeout: float) -> None:
        """Until the outage has begun and lasted its span; `eventually`'s error if no POST came."""
        began = eventually(lambda: self.began, timeout=timeout, interval=0.1)
        time.sleep(max(0.0, began + self.seconds - time.monotonic()))


@dataclass
class Received:
    path: str
    body: bytes
    headers: dict
    at: float
    status: int
    dropped: bool = False

    def json(self) -> dict:
        return json.loads(self.body)


class SlackLikeServer:
    def __init__(self):
        self.script: deque[Reply] = deque()
        self.outage: Outage | None = None
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = serving_thread(self._server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def webhook(self, name: str = "T000/B000/XXXX") -> str:
        return f"{self.url}/services/{name}"

    def reply_with(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def fail_for(self, seconds: float, *replies: Reply) -> Outage:
        with self._lock:
            self.outage = Outage(seconds, replies)
            return self.outage

    def delivered(self) -> list[Received]:
        """Requests processed with 200 (posted to the channel), answered or not."""
        with self._lock:
            return [r for r in self.received if r.status == 200]

    def dropped(self) -> list[Received]:
        """Requests processed whose answer never reached the sender."""
        with self._lock:
            return [r for r in self.received if r.dropped]

    def duplicates(self) -> int:
        """Copies beyond the first of every message body posted (what readers see twice)."""
        seen: dict[bytes, int] = {}
        for request in self.delivered():
            seen[request.body] = seen.get(request.body, 0) + 1
        return sum(n - 1 for n in seen.values())

    def start(self) -> SlackLikeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Reply:
        with self._lock:
            if self.outage is not None and (failure := self.outage.reply(time.monotonic())):
                return failure
            return self.script.popleft() if self.script else OK

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                arrived = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply = server._next()
                if reply.delay:
                    time.sleep(reply.delay)
                with server._lock:
                    server.received.append(Received(
                        self.path, body, dict(self.headers), arrived, reply.status, reply.drop))
                if reply.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                send_reply(self, reply.status, reply.headers, reply.body.encode(), "text/plain")

            def log_message(self, *args):
                pass

        return Handler
