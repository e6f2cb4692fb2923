"""A local HTTP server that behaves like a Teams Workflows webhook ("When a Teams webhook
request is received"), scripted per test.

Each POST takes the next scripted reply (default `202 Accepted`, empty body, as the workflow
trigger answers). Like the real trigger, a body over `max_bytes` is refused with 413, and a
body that is not a message with one Adaptive Card attachment with 400. Every request is
recorded with the moment it arrived.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.http_reply import send_reply
from tests.support.serving import serving_thread

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
TEAMS_MAX_BYTES = 28 * 1024


@dataclass(frozen=True)
class Reply:
    status: int = 202
    body: str = ""
    headers: dict = field(default_factory=dict)


ACCEPTED = Reply()


def too_many_requests(retry_after: int = 2) -> Reply:
    return Reply(429, '{"error":{"code":"TooManyRequests"}}', {"Retry-After": str(retry_after)})


def workflow_not_found() -> Reply:
    return Reply(404, '{"error":{"code":"WorkflowNotFound","message":"The workflow was not '
                      'found."}}')


def server_error() -> Reply:
    return Reply(502, '{"error":{"code":"BadGateway"}}')


@dataclass
class Received:
    path: str
    body: bytes
    headers: dict
    at: float
    status: int

    def json(self) -> dict:
        return json.loads(self.body)

    def card(self) -> dict:
        return self.json()["attachments"][0]["content"]


class TeamsWorkflowServer:
    def __init__(self, max_bytes: int = TEAMS_MAX_BYTES):
        self.max_bytes = max_bytes
        self.script: deque[Reply] = deque()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = serving_thread(self._server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def workflow(self, name: str = "abc123") -> str:
        return (f"{self.url}/workflows/{name}/triggers/manual/paths/invoke"
                "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=s3cr3t")

    def reply_with(self, *replies: Reply) -> None:
        with self._lock:
            self.script.extend(replies)

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.status in (200, 202)]

    def start(self) -> TeamsWorkflowServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, body: bytes) -> Reply:
        if len(body) > self.max_bytes:
            return Reply(413, '{"error":{"code":"MessageTooLarge"}}')
        if not _is_card_message(body):
            return Reply(400, '{"error":{"code":"InvalidRequestContent"}}')
        with self._lock:
            return self.script.popleft() if self.script else ACCEPTED

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                arrived = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                reply = server._answer(body)
                with server._lock:
                    server.received.append(
                        Received(self.path, body, dict(self.headers), arrived, reply.status))
                send_reply(self, reply.status, reply.headers, reply.body.encode(),
                           "application/json")

            def log_message(self, *args):
                pass

        return Handler


def _is_card_message(body: bytes) -> bool:
    try:
        message = json.loads(body)
        attachment = message["attachments"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        return False
    return (message.get("type") == "message" and attachment.get("contentType") == ADAPTIVE
            and attachment.get("content", {}).get("type") == "AdaptiveCard")
