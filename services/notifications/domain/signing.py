"""Signed outgoing webhooks: how Goalkeeper signs them and how a receiver verifies them.

Every request to a channel of type `webhook` is a JSON `POST` with two headers:

    X-Goalkeeper-Timestamp: 1767225600
    X-Goalkeeper-Signature: v1=5f2b...c0

The timestamp is Unix seconds at the moment of sending (each retry is signed afresh). A
signature is `v1=` followed by the hex HMAC-SHA256, keyed with a channel's secret (returned
once, when the channel is created or its secret rotated), of the string
`f"{timestamp}.{raw_body}"`. For a while after a rotation (`NOTIFICATIONS_SECRET_GRACE_HOURS`,
24 by default) the header holds two, comma-separated, the new secret's first:

    X-Goalkeeper-Signature: v1=5f2b...c0,v1=9a41...7e

so a receiver still holding the old secret, or already the new one, accepts every delivery.

To verify, a receiver:

1. reads the raw request body as bytes, before any JSON parsing;
2. refuses the request when the timestamp is more than 300 seconds from its own clock
   (this stops replays);
3. computes `hmac.new(secret, f"{timestamp}.".encode() + raw_body, hashlib.sha256).hexdigest()`;
4. accepts the request when `"v1=" + digest` equals one of the header's comma-separated
   signatures, compared in constant time (`hmac.compare_digest`).

Example (Python):

    def verify(secret: bytes, headers, raw_body: bytes, now: float) -> bool:
        timestamp = headers["X-Goalkeeper-Timestamp"]
        if abs(now - int(timestamp)) > 300:
            return False
        digest = hmac.new(secret, f"{timestamp}.".encode() + raw_body, hashlib.sha256)
        expected = "v1=" + digest.hexdigest()
        given = headers["X-Goalkeeper-Signature"].split(",")
        return any(hmac.compare_digest(expected, one.strip()) for one in given)

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


def signed_headers(secret: str, timestamp: int, body: bytes, *older: str) -> dict[str, str]:
    """The headers of a delivery signed with `secret` and, beside it, each of `older` (the
    secrets a rotation replaced, still in their grace period)."""
    signatures = (signature(each, timestamp, body) for each in (secret, *older))
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: ",".join(signatures)}


def verify(secret: str, headers: dict, body: bytes, now: float) -> bool:
    """The receiver's check, as documented above."""
    timestamp, given = headers.get(TIMESTAMP_HEADER), headers.get(SIGNATURE_HEADER)
    if not timestamp or not given or not timestamp.isdigit():
        return False
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, int(timestamp), body)
    return any(hmac.compare_digest(expected, one.strip()) for one in given.split(","))
