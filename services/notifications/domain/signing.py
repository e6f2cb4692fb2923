"""Signed outgoing webhooks: how Goalkeeper signs them and how a receiver verifies them.

Every request to a channel of type `webhook` is a JSON `POST` with two headers:

    X-Goalkeeper-Timestamp: 1767225600
    X-Goalkeeper-Signature: v1=5f2b...c0

The timestamp is Unix seconds at the moment of sending (each retry is signed afresh). The
signature is `v1=` followed by the hex HMAC-SHA256, keyed with the channel's secret (returned
once, when the channel is created), of the string `f"{timestamp}.{raw_body}"`.

To verify, a receiver:

1. reads the raw request body as bytes, before any JSON parsing;
2. refuses the request when the timestamp is more than 300 seconds from its own clock
   (this stops replays);
3. computes `hmac.new(secret, f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()`;
4. compares `"v1=" + digest` with the header in constant time (`hmac.compare_digest`).

Example (Python):

    def verify(secret: bytes, headers, raw_body: bytes, now: float) -> bool:
        timestamp = headers["X-Goalkeeper-Timestamp"]
        if abs(now - int(timestamp)) > 300:
            return False
        digest = hmac.new(secret, f"{timestamp}.".encode() + raw_body, hashlib.sha256)
        return hmac.compare_digest("v1=" + digest.hexdigest(), headers["X-Goalkeeper-Signature"])

The body is `{"event_id", "type", "team_id", "occurred_at", "summary", "data"}`, `data` being the
event's; deliveries are at least once, so receivers dedupe on `event_id`.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Goalkeeper-Timestamp"
SIGNATURE_HEADER = "X-Goalkeeper-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, headers: dict, body: bytes, now: float) -> bool:
    """The receiver's check, as documented above."""
    timestamp, given = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    if not timestamp or not given or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), given)
