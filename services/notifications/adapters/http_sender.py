"""Posting JSON to webhooks: bounded time and response size, and no redirects followed.

requests is used rather than slack-sdk's WebhookClient because the sender must refuse
redirects (server-side request forgery) and cap the response it reads, which WebhookClient's
urllib opener does not let us control; the retry policy lives in the domain model instead.
"""

from __future__ import annotations

import json
import time

import requests

from services.notifications.domain.model import SendResult

MAX_RESPONSE_BYTES = 64 * 1024


class WebhookSender:
    def __init__(self, connect_timeout: float = 3.0, read_timeout: float = 5.0):
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()

    def post(self, url: str, payload: dict, headers: dict | None = None) -> SendResult:
        body = json.dumps(payload, separators=(",", ":")).encode()
        started = time.perf_counter()
        try:
            with self.session.post(
                url, data=body, timeout=self.timeout, allow_redirects=False, stream=True,
                headers={"Content-Type": "application/json", **(headers or {})},
            ) as response:
                text = response.raw.read(MAX_RESPONSE_BYTES, decode_content=True)
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


def _retry_after(raw: str | None) -> float | None:
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None


def _redirect_error(response: requests.Response) -> str | None:
    if 300 <= response.status_code < 400:
        return f"redirect to {response.headers.get('Location')!r} not followed"
    return None


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
