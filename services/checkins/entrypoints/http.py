"""Request-level helpers of the views: the Idempotency-Key of a POST and replayed responses."""

from __future__ import annotations

import hashlib
import json

from flask import Response, request

from services.checkins.domain.errors import InvalidIdempotencyKey
from services.checkins.domain.idempotency import (
    KEY,
    MAX_KEY_LENGTH,
    IdempotentRequest,
    SavedResponse,
)

IDEMPOTENCY_KEY_DOC = {"parameters": [{"in": "header", "name": KEY, "required": False,
                                       "schema": {"type": "string",
                                                  "maxLength": MAX_KEY_LENGTH}}]}


def idempotent_request(member_id: str) -> IdempotentRequest | None:
    """The current request's key, scoped to the member; None when it carries no key."""
    key = request.headers.get(KEY)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey(f"{KEY} must be 1 to {MAX_KEY_LENGTH} printable characters")
    return IdempotentRequest(member_id, request.method, request.path, key,
                             fingerprint(request.method, request.path, request.get_data()))


def fingerprint(method: str, path: str, raw_body: bytes) -> str:
    """The same JSON body in any key order or spacing has the same fingerprint."""
    try:
        canonical = json.dumps(
            json.loads(raw_body or b"null"), sort_keys=True, separators=(",", ":")
        ).encode()
    except ValueError:
        canonical = raw_body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def replayed(saved: SavedResponse) -> Response:
    """The response the first request with this key got, marked as a replay."""
    response = Response(saved.body, status=saved.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
