"""Request-level helpers the notifications views share: Slack's request signature.

Slack signs `v0:{X-Slack-Request-Timestamp}:{raw body}` with HMAC-SHA256. Every request from
Slack (slash commands, interactions, events) goes through `verify_slack_request` before its
body is read: slack_sdk's SignatureVerifier checks it against SLACK_SIGNING_SECRET, within
300 seconds of the service's clock, in constant time. Any failure is a 401 problem saying which,
whatever the headers hold: a timestamp in other digits than ASCII's or too long for a float, or
a signature not in ASCII (which the verifier's compare_digest would raise on), is refused too,
and so is a body that is not UTF-8 (Slack signs none; the verifier would raise decoding it).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from flask import request
from slack_sdk.signature import SignatureVerifier

from shared.auth import Unauthorized
from shared.web import container

WINDOW_SECONDS = 300
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() and float() take them all


class _SecondsClock:
    def __init__(self, clock):
        self.clock = clock

    def now(self) -> float:
        return self.clock.now().timestamp()


def is_ssl_check() -> bool:
    """Slack's check of a slash command URL's certificate: a POST, unsigned, whose form has
    `ssl_check=1`. Slack wants a 200 to it (Bolt answers it so, before verifying anything);
    nothing else in it may be acted on."""
    form = parse_qs(request.get_data(cache=True).decode("utf-8", "replace"))
    return form.get("ssl_check", [""])[0] == "1"


def verify_slack_request() -> bytes:
    """The raw body of a request Slack signed; 401 for anything else."""
    raw = request.get_data(cache=True)
    c = container()
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    signature = request.headers.get("X-Slack-Signature")
    if not timestamp or not signature:
        raise Unauthorized("missing X-Slack-Request-Timestamp or X-Slack-Signature header")
    if not TIMESTAMP.fullmatch(timestamp):
        raise Unauthorized("X-Slack-Request-Timestamp must be Unix seconds")
    if not signature.isascii():
        raise Unauthorized("invalid Slack signature: X-Slack-Signature is v0= and hex digits")
    if abs(c.clock.now().timestamp() - int(timestamp)) > WINDOW_SECONDS:
        raise Unauthorized("stale request: X-Slack-Request-Timestamp is more than 300 s away")
    if not _is_utf8(raw):
        raise Unauthorized("invalid Slack signature: the body is not UTF-8, as every body Slack "
                           "signs is")
    verifier = SignatureVerifier(c.settings.slack_signing_secret, _SecondsClock(c.clock))
    if not verifier.is_valid(raw, timestamp, signature):
        raise Unauthorized("invalid Slack signature")
    return raw


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
