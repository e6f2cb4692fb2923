"""A local HTTP server that behaves like Slack's Web API (`https://slack.com/api/<method>`).

It answers the methods the Goalkeeper Slack app calls with the JSON shapes Slack documents:
`oauth.v2.access`, `conversations.open`, `chat.postMessage`, `chat.update`, `views.open` and
`views.publish`; any other method gets `{"ok": false, "error": "unknown_method"}`. Arguments are
read the way Slack reads them (query string, form body or JSON body). Every call is recorded
with its token and arguments, and a test can script a method's next replies: a 429 with
`Retry-After`, or a Slack error such as `token_revoked`, or hold a method's calls unanswered
(a slow Slack) until it lets them go.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.support.http_reply import send_reply
from tests.support.serving import serving_thread

BOT_TOKEN = "xoxb-test-bot-token"
APP_ID = "A0GOALKEEP"
BOT_USER_ID = "U0GKBOT"


@dataclass(frozen=True)
class Scripted:
    status: int = 200
    body: dict = field(default_factory=lambda: {"ok": True})
    headers: dict = field(default_factory=dict)


def rate_limited(retry_after: int = 1) -> Scripted:
    return Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)})


def slack_error(error: str) -> Scripted:
    return Scripted(200, {"ok": False, "error": error})


@dataclass
class Call:
    method: str
    args: dict
    token: str | None
    at: float
    status: int
    reply: dict = field(default_factory=dict)  # what the stand-in answered


class SlackApiServer:
    """`url` is the base URL to give as SLACK_API_URL (ends with a slash, like Slack's)."""

    def __init__(self, team_id: str = "T0ACME", team_name: str = "Acme"):
        self.team_id, self.team_name = team_id, team_name
        self.installer = "ULENA"  # the Slack user who approves an install
        self.calls: list[Call] = []
        self._script: dict[str, deque[Scripted]] = defaultdict(deque)
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._held: dict[str, tuple[threading.Event, threading.Event]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = serving_thread(self._server)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/api/"

    def start(self) -> SlackApiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def script(self, method: str, *replies: Scripted) -> None:
        """The next calls of `method` get these replies, in order, before the normal answer."""
        with self._lock:
            self._script[method].extend(replies)

    def hold(self, method: str) -> threading.Event:
        """Calls of `method` wait unanswered until the returned event is set (at most 30 s)."""
        arrived, release = threading.Event(), threading.Event()
        with self._lock:
            self._held[method] = (arrived, release)
        return release

    def wait_held(self, method: str, timeout: float = 30) -> bool:
        """True once a call of the held `method` arrived and is waiting."""
        return self._held[method][0].wait(timeout)

    def _wait_if_held(self, method: str) -> None:
        with self._lock:
            held = self._held.get(method)
        if held:
            held[0].set()
            held[1].wait(30)

    def calls_of(self, method: str, *, answered: bool = True) -> list[Call]:
        """Calls of `method` (by default only those answered 200)."""
        with self._lock:
            return [c for c in self.calls
                    if c.method == method and (not answered or c.status == 200)]

    # -- Slack's answers ------------------------------------------------------------------
    def answer(self, method: str, args: dict) -> dict:
        if method == "oauth.v2.access":
            return self._oauth(args)
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(args.get("users", "X")).lstrip("U")}}
        if method == "chat.postMessage":
            ts = f"{1767225600 + next(self._ts)}.000100"
            return {"ok": True, "channel": args.get("channel"), "ts": ts,
                    "message": {"type": "message", "user": BOT_USER_ID, "ts": ts,
                                "text": args.get("text", ""), "blocks": args.get("blocks", [])}}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"),
                    "text": args.get("text", ""),
                    "message": {"text": args.get("text", ""), "blocks": args.get("blocks", [])}}
        if method in ("views.open", "views.publish"):
            view = args.get("view") or {}
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", "team_id": self.team_id,
                                         "hash": f"{time.time():.6f}", **view}}
        return {"ok": False, "error": "unknown_method"}

    def _oauth(self, args: dict) -> dict:
        if args.get("code") != "good-code":
            return {"ok": False, "error": "invalid_code"}
        return {
            "ok": True, "app_id": APP_ID, "access_token": BOT_TOKEN, "token_type": "bot",
            "scope": "chat:write,im:write,commands", "bot_user_id": BOT_USER_ID,
            "team": {"id": self.team_id, "name": self.team_name}, "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": self.installer},
        }

    def _reply(self, method: str, args: dict) -> Scripted:
        with self._lock:
            queue = self._script.get(method)
            if queue:
                return queue.popleft()
        return Scripted(200, self.answer(method, args))

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server naming)
                arrived = time.time()
                url = urlsplit(self.path)
                method = url.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                args = dict(parse_qsl(url.query))
                token = None
                kind = self.headers.get("Content-Type", "")
                if body and kind.startswith("application/json"):
                    args.update(json.loads(body))
                elif body:
                    args.update(parse_qsl(body.decode()))
                header = self.headers.get("Authorization", "")
                if header.startswith("Bearer "):
                    token = header[len("Bearer "):]
                elif header.startswith("Basic "):
                    client_id, _, _ = base64.b64decode(header[6:]).decode().partition(":")
                    args["client_id"] = client_id
                server._wait_if_held(method)
                reply = server._reply(method, args)
                with server._lock:
                    server.calls.append(Call(method, args, token, arrived, reply.status,
                                             reply.body))
                send_reply(self, reply.status, reply.headers, json.dumps(reply.body).encode(),
                           "application/json; charset=utf-8")

            def log_message(self, *args):
                pass

        return Handler
