"""The client of webhooks (Slack, signed-webhook receivers): bounded time and response size,
and no redirects followed. A send ends once the connect and read timeouts have passed since
the connection began, however its answer trickles in: requests and urllib3 time each read of a
socket, not the whole answer, so each byte within the read timeout would otherwise hold the
sender as long as the receiver liked. The body is read until then; a watchdog (one thread
keeps every send's) shuts the connection's socket down `DEADLINE_MARGIN` later, ending a read
of the status line or headers (a failure naming the timeouts, retried) or of the body (its
status, read first, decides).

requests is used rather than slack-sdk's WebhookClient because the sender must refuse
redirects (server-side request forgery) and cap the response it reads, which WebhookClient's
urllib opener does not let us control; the retry policy lives in the domain model instead.
Before connecting, a host that is not explicitly allow-listed must resolve to public
addresses only, so a DNS answer pointing inside the network is refused.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import socket
import threading
import time
import weakref
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, InvalidHeader
from urllib3.util.retry import Retry

from services.notifications.domain.notification import SendResult
from services.notifications.domain.webhook_url import ip_literal, is_internal

MAX_RESPONSE_BYTES = 64 * 1024
READ_CHUNK = 8 * 1024
DEADLINE_MARGIN = 0.25  # seconds the watchdog leaves a read under way at the deadline
_RETRY_AFTER = Retry()  # only its reading of the Retry-After header is used


class WebhookClient:
    def __init__(self, connect_timeout: float = 3.0, read_timeout: float = 5.0,
                 allowlist: tuple[str, ...] = ()):
        self.timeout = (connect_timeout, read_timeout)
        self.time_limit = connect_timeout + read_timeout  # of a send, head and body
        self.allowlist = allowlist
        self.session = requests.Session()
        self._new_pools()
        _CLIENTS.add(self)

    def _new_pools(self) -> None:
        """Connection pools of this process's own (a forked child gets new ones: `_CLIENTS`)."""
        self.session.mount("http://", _WatchedAdapter())
        self.session.mount("https://", _WatchedAdapter())

    def post(self, url: str, payload: dict | bytes, headers: dict | None = None) -> SendResult:
        body = payload if isinstance(payload, bytes) else json.dumps(
            payload, separators=(",", ":")).encode()
        started = time.perf_counter()
        refusal = self._refusal(url)
        if refusal:
            return SendResult(status=None, error=refusal)
        deadline = time.perf_counter() + self.time_limit  # from the connection, not the lookup
        with _Watchdog(self.time_limit + DEADLINE_MARGIN) as watchdog:
            return self._send(url, body, headers, deadline, watchdog, started)

    def _send(self, url: str, body: bytes, headers: dict | None, deadline: float,
              watchdog: _Watchdog, started: float) -> SendResult:
        try:
            with self.session.post(
                url, data=body, timeout=self.timeout, allow_redirects=False, stream=True,
                headers={"Content-Type": "application/json", **(headers or {})},
            ) as response:
                if watchdog.expired:  # the head was cut short: the answer is not to be trusted
                    return self._timed_out(f"status {response.status_code}, headers cut short",
                                           started)
                text = _body(response, deadline)
                return SendResult(
                    status=response.status_code,
                    body=text.decode(errors="replace").strip(),
                    retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                    error=_redirect_error(response),
                    duration_ms=_ms(started),
                )
        except requests.RequestException as exc:
            error = f"{exc.__class__.__name__}: {exc}"
            if watchdog.expired:
                return self._timed_out(error, started)
            return SendResult(status=None, error=error[:500], duration_ms=_ms(started))

    def _timed_out(self, detail: str, started: float) -> SendResult:
        """The failure (retried) of a send whose answer's head had not all come by the
        deadline."""
        error = (f"no complete answer within {self.time_limit:g} s (connect + read timeout); "
                 f"the connection was closed ({detail})")
        return SendResult(status=None, error=error[:500], duration_ms=_ms(started))

    def _refusal(self, url: str) -> str | None:
        host = (urlsplit(url).hostname or "").lower()
        if host in self.allowlist:
            return None
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:  # UnicodeError: a name IDNA cannot encode
            return f"cannot resolve {host!r}: {exc}"
        for info in infos:
            address = ip_literal(info[4][0].split("%")[0])
            if address is None or is_internal(address):
                return f"{host!r} resolves to internal address {info[4][0]}; refused"
        return None


class _Watchdog:
    """Shuts down the socket of the connection its thread sends on once `seconds` have passed
    (the connection registers itself as it connects or sends: `_watch`), so a read under way
    ends then; `expired` says whether it did. A context manager: leaving it ends the watch.
    Every send's watchdog is kept by one thread (`_Watchman`), not a thread each."""

    current = threading.local()

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self.done = False
        self.connection: HTTPConnection | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> _Watchdog:
        _Watchdog.current.watchdog = self
        _WATCHMAN.watch(self, time.perf_counter() + self.seconds)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _Watchdog.current.watchdog = None
        with self._lock:
            self.done = True

    def _expire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.expired = True  # a connection still connecting is shut once it has (`_Watched`)
            self.shut()

    def shut(self) -> None:
        """Shut down the registered connection's socket, if it has one yet."""
        sock = self.connection.sock if self.connection is not None else None
        if sock is not None:
            try:  # the plain socket's shutdown: a TLS socket's would drop its TLS state
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass


class _Watchman:
    """The one thread that ends the sends under way at their deadlines: it sleeps until the
    earliest one (a heap of them, by `perf_counter`), then expires each watchdog whose send
    has not ended by its own. A send that ended leaves its entry, dropped when it comes up
    (within a send's time limit). Started by the first send; a forked child starts afresh
    (`_forget`), its parent's sends and lock not its own."""

    def __init__(self) -> None:
        self._forget()
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        """No send watched, no thread: a forked child must not shut its parent's sockets, nor
        wait on a lock the parent's thread held as it forked."""
        self._due: list[tuple[float, int, _Watchdog]] = []
        self._order = itertools.count()  # equal deadlines: the first watched first
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def watch(self, watchdog: _Watchdog, deadline: float) -> None:
        with self._changed:
            heapq.heappush(self._due, (deadline, next(self._order), watchdog))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="webhook-watchman",
                                                daemon=True)
                self._thread.start()
            self._changed.notify()

    def _run(self) -> None:
        with self._changed:
            while True:
                while self._due and self._due[0][2].done:
                    heapq.heappop(self._due)
                if not self._due:
                    self._changed.wait()
                elif (left := self._due[0][0] - time.perf_counter()) > 0:
                    self._changed.wait(left)
                else:
                    heapq.heappop(self._due)[2]._expire()


_WATCHMAN = _Watchman()
_CLIENTS: weakref.WeakSet[WebhookClient] = weakref.WeakSet()


def _new_pools_in_child() -> None:
    """A forked child's clients get pools of their own: a kept-alive connection of the parent's
    is not read by both processes, nor shut by the child's watchdog. The parent's pools are
    dropped unclosed (closing takes their locks, which a parent's thread may have held as it
    forked); their sockets close with them."""
    for client in list(_CLIENTS):
        client._new_pools()


os.register_at_fork(after_in_child=_new_pools_in_child)


def _watch(connection: HTTPConnection) -> _Watchdog | None:
    """Let this thread's send's watchdog, if any, end `connection` at its deadline; the
    watchdog."""
    watchdog = getattr(_Watchdog.current, "watchdog", None)
    if watchdog is not None:
        watchdog.connection = connection
    return watchdog


class _Watched:
    """A urllib3 connection that registers with its thread's watchdog as it connects or
    sends (`_watch`)."""

    def connect(self) -> None:
        watchdog = _watch(self)
        super().connect()  # its name lookup and connect attempts may outlast the deadline
        if watchdog is not None and watchdog.expired:
            watchdog.shut()

    def request(self, *args, **kwargs) -> None:
        _watch(self)
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter, its connections watched by the sending thread's `_Watchdog`."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool,
                                                   "https": _WatchedHTTPSPool}


def _body(response: requests.Response, deadline: float) -> bytes:
    """The answer's body: at most `MAX_RESPONSE_BYTES`, and what came by `deadline` (a
    `perf_counter` moment) when it comes slower, or before the watchdog ended the read."""
    body = b""
    while len(body) < MAX_RESPONSE_BYTES and time.perf_counter() < deadline:
        try:
            chunk = response.raw.read1(min(READ_CHUNK, MAX_RESPONSE_BYTES - len(body)),
                                       decode_content=True)
        except (HTTPError, OSError):
            break
        if not chunk:
            break
        body += chunk
    return body


def retry_after_seconds(raw: str | None) -> float | None:
    """The seconds a `Retry-After` asks for, given in seconds or as an HTTP date (read by
    urllib3, which requests sends through, and bounded by it); None when absent or unreadable."""
    if raw is None:
        return None
    try:
        return float(_RETRY_AFTER.parse_retry_after(raw))
    except InvalidHeader:
        return None


def _redirect_error(response: requests.Response) -> str | None:
    if 300 <= response.status_code < 400:
        return f"redirect to {response.headers.get('Location')!r} not followed"
    return None


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
