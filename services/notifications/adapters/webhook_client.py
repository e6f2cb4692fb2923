"""The client of webhooks (Slack, signed-webhook receivers): bounded time and response size,
and no redirects followed. An answer's body is read until the connect and read timeouts have
passed since the connection began, however it trickles in (each byte within the read timeout
would otherwise hold the sender as long as the receiver liked); its status, read first,
decides.

requests is used rather than slack-sdk's WebhookClient because the sender must refuse
redirects (server-side request forgery) and cap the response it reads, which WebhookClient's
urllib opener does not let us control; the retry policy lives in the domain model instead.
Before connecting, a host that is not explicitly allow-listed must resolve to public
addresses only, so a DNS answer pointing inside the network is refused.
"""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import InvalidHeader
from urllib3.util.retry import Retry

from services.notifications.domain.notification import SendResult
from services.notifications.domain.webhook_url import ip_literal, is_internal

MAX_RESPONSE_BYTES = 64 * 1024
READ_CHUNK = 8 * 1024
_RETRY_AFTER = Retry()  # only its reading of the Retry-After header is used


class WebhookClient:
    def __init__(self, connect_timeout: float = 3.0, read_timeout: float = 5.0,
                 allowlist: tuple[str, ...] = ()):
        self.timeout = (connect_timeout, read_timeout)
        self.time_limit = connect_timeout + read_timeout  # of a send, but for its last read
        self.allowlist = allowlist
        self.session = requests.Session()

    def post(self, url: str, payload: dict | bytes, headers: dict | None = None) -> SendResult:
        body = payload if isinstance(payload, bytes) else json.dumps(
            payload, separators=(",", ":")).encode()
        started = time.perf_counter()
        refusal = self._refusal(url)
        if refusal:
            return SendResult(status=None, error=refusal)
        deadline = time.perf_counter() + self.time_limit  # from the connection, not the lookup
        try:
            with self.session.post(
                url, data=body, timeout=self.timeout, allow_redirects=False, stream=True,
                headers={"Content-Type": "application/json", **(headers or {})},
            ) as response:
                text = _body(response, deadline)
                return SendResult(
                    status=response.status_code,
                    body=text.decode(errors="replace").strip(),
                    retry_after=_retry_after(response.headers.get("Retry-After")),
                    error=_redirect_error(response),
                    duration_ms=_ms(started),
                )
        except requests.RequestException as exc:
            return SendResult(status=None, error=f"{exc.__class__.__name__}: {exc}"[:500],
                              duration_ms=_ms(started))

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


def _body(response: requests.Response, deadline: float) -> bytes:
    """The answer's body: at most `MAX_RESPONSE_BYTES`, and what came by `deadline` (a
    `perf_counter` moment) when it comes slower."""
    body = b""
    while len(body) < MAX_RESPONSE_BYTES and time.perf_counter() < deadline:
        chunk = response.raw.read1(min(READ_CHUNK, MAX_RESPONSE_BYTES - len(body)),
                                   decode_content=True)
        if not chunk:
            break
        body += chunk
    return body


def _retry_after(raw: str | None) -> float | None:
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
