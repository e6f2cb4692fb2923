"""The HTTP sender against a local Slack-like server: no redirects, capped reads, timeouts."""

from __future__ import annotations

import os
import random
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import urllib3.util.connection

from services.notifications.adapters import webhook_client
from services.notifications.adapters.webhook_client import MAX_RESPONSE_BYTES, WebhookClient
from services.notifications.domain.notification import Notification, RetryPolicy, SendResult
from tests.support.serving import serving_thread
from tests.support.slack_server import Reply
from tests.support.waiting import eventually

ALLOW = ("127.0.0.1",)


def test_redirects_are_not_followed(slack):
    slack.reply_with(Reply(302, "", {"Location": slack.webhook("elsewhere")}))
    result = WebhookClient(allowlist=ALLOW).post(slack.webhook(), {"text": "hi"})
    assert result.status == 302
    assert "not followed" in result.error
    assert len(slack.received) == 1


def test_response_bodies_are_read_only_up_to_the_cap(slack):
    slack.reply_with(Reply(500, "x" * (5 * MAX_RESPONSE_BYTES)))
    result = WebhookClient(allowlist=ALLOW).post(slack.webhook(), {"text": "hi"})
    assert result.status == 500
    assert len(result.body) == MAX_RESPONSE_BYTES


def test_a_slow_server_times_out(slack):
    slack.reply_with(Reply(delay=5.0))
    result = WebhookClient(read_timeout=0.3, allowlist=ALLOW).post(slack.webhook(), {"t": 1})
    assert result.status is None  # it gave up before the server answered
    assert "Timeout" in result.error


TRICKLE_EVERY_S = 0.2
TRICKLE_BYTES = 300  # a minute of trickling: far past the timeouts, however slow the host
GIVE_UP_AFTER_S = 45.0  # a sender still waiting then is held by the trickle, not a slow host


def post_within_the_trickle(client: WebhookClient, url: str) -> SendResult:
    """`client.post(url)` from a thread of its own, failing the test if the send is still
    waiting `GIVE_UP_AFTER_S` into the receiver's minute of trickling."""
    results: list[SendResult] = []
    sender = threading.Thread(target=lambda: results.append(client.post(url, {"t": 1})),
                              daemon=True)
    sender.start()
    sender.join(GIVE_UP_AFTER_S)
    if sender.is_alive():
        pytest.fail(f"the send was still reading the trickled answer after {GIVE_UP_AFTER_S:g} s")
    return results[0]


def trickle(server: socketserver.BaseServer, write, data: bytes) -> None:
    """Write `data` a byte every `TRICKLE_EVERY_S` until done, the sender hangs up, or the
    test's teardown sets `server.ended`."""
    try:
        for byte in data:
            if server.ended.wait(TRICKLE_EVERY_S):
                return
            write(bytes([byte]))
    except OSError:  # the sender hung up, as it should
        pass


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    """Serve `server` from a thread; on exit end its trickles and stop it."""
    server.daemon_threads = True
    server.ended = threading.Event()
    serving_thread(server).start()
    try:
        yield server
    finally:
        server.ended.set()
        server.shutdown()
        server.server_close()


class Trickling(BaseHTTPRequestHandler):
    """A receiver that answers 200 at once, then sends its body a byte every 0.2 s."""

    def do_POST(self):  # noqa: N802 (http.server naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", str(TRICKLE_BYTES))
        self.end_headers()
        self.wfile.flush()
        trickle(self.server, self._write, b"o" * TRICKLE_BYTES)

    def _write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture
def trickling() -> Iterator[str]:
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Trickling)) as server:
        yield f"http://127.0.0.1:{server.server_port}/hook"


def test_a_receiver_trickling_its_answer_holds_the_sender_no_longer_than_its_timeouts(
        trickling):
    """Each byte came within the read timeout, so a body sent a byte at a time held the sender
    (one loop for every channel) for as long as the receiver liked: a minute here, and past the
    delivery's lease, when another worker would post it again. The answer is read until the
    connect and read timeouts have passed, so the body is cut short; its status, there from the
    start, decides."""
    client = WebhookClient(connect_timeout=0.5, read_timeout=0.5, allowlist=ALLOW)
    result = post_within_the_trickle(client, trickling)
    assert result.ok and result.status == 200
    assert 0 < len(result.body) < TRICKLE_BYTES
    # cut at the deadline: a byte per TRICKLE_EVERY_S came by then (the receiver paces them,
    # so a slow host makes them fewer, never more), one more for a read under way
    assert len(result.body) <= client.time_limit / TRICKLE_EVERY_S + 2, len(result.body)


HEAD_AT_ONCE = b"HTTP/1.1 200 OK\r\n"
HEAD_TRICKLED = (b"Content-Type: text/plain\r\nContent-Length: 2\r\nX-Padding: "
                 + b"p" * TRICKLE_BYTES)


class TricklingHead(socketserver.StreamRequestHandler):
    """A receiver that sends the head of its answer a byte every 0.2 s (a minute in all): from
    its status line on (`server.at_once` empty) or after it."""

    def handle(self):
        self.rfile.readline()  # the request line; the rest is never needed
        try:
            self.wfile.write(self.server.at_once)
        except OSError:
            return
        trickle(self.server, self.wfile.write, self.server.trickled)


@pytest.fixture(params=["status line", "headers"])
def trickling_head(request) -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), TricklingHead)
    whole = HEAD_AT_ONCE + HEAD_TRICKLED
    server.at_once = b"" if request.param == "status line" else HEAD_AT_ONCE
    server.trickled = whole[len(server.at_once):]
    with serving(server):
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"


def test_a_receiver_trickling_its_status_line_or_headers_fails_the_send_for_a_retry(
        trickling_head):
    """requests times each read of the head, not the whole: a status line or headers sent a
    byte at a time held the one delivery loop (every team's channels) for a minute here, as
    long as the receiver liked. A send now ends by its connect and read timeouts (1 s here)
    with a failure naming them, which the delivery retries."""
    client = WebhookClient(connect_timeout=0.5, read_timeout=0.5, allowlist=ALLOW)
    result = post_within_the_trickle(client, trickling_head)
    assert result.status is None
    assert "no complete answer within 1 s (connect + read timeout)" in result.error
    message = Notification("t1", "webhook", "e1", "goal.created", "{}",
                           created_at=datetime.now(UTC))
    assert message.record_attempt(result, datetime.now(UTC), None, RetryPolicy(),
                                  random.Random(1)) == "retry"
    assert message.last_error == result.error


def test_a_connection_made_after_the_deadline_to_a_receiver_trickling_its_head_fails_the_send(
        trickling_head, monkeypatch):
    """A name lookup or connect attempts that outlast the deadline (urllib3 bounds neither
    whole) left the watchdog nothing to shut when it fired, and it never fired again: the
    receiver's trickled head then held the delivery loop as long as it liked. The connection
    made late is shut at once, and the send fails naming the timeouts."""
    create_connection = urllib3.util.connection.create_connection

    def slow_to_connect(*args, **kwargs):
        time.sleep(1.5)  # past the 1 s deadline (and its margin) before the socket exists
        return create_connection(*args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", slow_to_connect)
    client = WebhookClient(connect_timeout=0.5, read_timeout=0.5, allowlist=ALLOW)
    result = post_within_the_trickle(client, trickling_head)
    assert result.status is None
    assert "no complete answer within 1 s (connect + read timeout)" in result.error


def test_posts_to_a_slow_receiver_start_no_thread_each(slack, monkeypatch):
    """Each send started a timer thread to watch its deadline: under a backlog, a thread per
    message. One thread now keeps every send's deadline; the posts start none."""
    client = WebhookClient(allowlist=ALLOW)
    slack.reply_with(*[Reply(delay=0.05)] * 11)
    assert client.post(slack.webhook(), {"t": 0}).ok  # the one watching thread starts, if not yet
    sender = threading.current_thread()
    started: list[str] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        if threading.current_thread() is sender:  # not the receiver's threads, one a request
            started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    results = [client.post(slack.webhook(), {"t": i}) for i in range(1, 11)]
    assert [r.status for r in results] == [200] * 10
    assert started == []


def test_a_process_forked_during_a_send_watches_none_of_its_parents_sends(slack):
    """The one watching thread's heap and lock were copied into a child forked during a send:
    the child's first send started a thread that shut the parent's socket at its deadline (or
    waited for ever on a lock held as it forked). A child now starts with nothing watched; its
    own send is watched and answered, on a connection pool of its own (the parent's pooled
    connections were the child's too)."""
    client = WebhookClient(allowlist=ALLOW)
    slack.reply_with(Reply(), Reply(delay=1.0), Reply())
    assert client.post(slack.webhook(), {"t": "parent's first"}).ok
    pools = client.session.get_adapter("http://").poolmanager.pools
    parents = threading.Thread(target=client.post, args=(slack.webhook(), {"t": "parent's"}))
    parents.start()
    eventually(lambda: webhook_client._WATCHMAN._due)  # the parent's send is watched
    child = os.fork()
    if child == 0:  # the child: report by exit status only
        watched = len(webhook_client._WATCHMAN._due)
        own_pools = client.session.get_adapter("http://").poolmanager.pools is not pools
        answered = client.post(slack.webhook(), {"t": "child's"})
        os._exit(0 if (watched, own_pools, answered.status) == (0, True, 200) else 1)
    parents.join()
    deadline = time.monotonic() + 30
    while (ended := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if ended[0] == 0:  # stuck (on a lock held as it forked): not to outlive the test
        os.kill(child, 9)
        os.waitpid(child, 0)
    assert ended[0] == child and os.waitstatus_to_exitcode(ended[1]) == 0


def test_hosts_resolving_to_internal_addresses_are_refused_unless_allow_listed(slack):
    result = WebhookClient(allowlist=()).post(f"http://localhost:{slack.url.rsplit(':', 1)[1]}/x",
                                              {"t": 1})
    assert result.status is None
    assert "internal address" in result.error
    assert slack.received == []


def test_addresses_no_public_host_has_are_refused_before_connecting():
    """100.64.0.0/10 (carrier-grade NAT) and fec0::/10 (site-local) passed as public: the
    sender connected to them."""
    for url in ("http://100.64.0.1:9/x", "http://[fec0::1]:9/x"):
        result = WebhookClient(connect_timeout=0.5, allowlist=()).post(url, {"t": 1})
        assert result.status is None
        assert "resolves to internal address" in result.error, (url, result.error)
