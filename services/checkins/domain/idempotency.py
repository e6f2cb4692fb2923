"""Idempotency keys: a retried request gets the first response back, never a second effect.

A key is scoped to (member, method, path). The first request claims it in the same transaction
as its effect and saves the response it answered with; a retry with the same key and the same
request body (its fingerprint) gets that response again, the same key with another body is
refused. Keys are kept for `KEPT`, then purged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from services.checkins.domain.errors import IdempotencyKeyReused

KEY = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEPT = timedelta(days=1)


@dataclass(frozen=True)
class IdempotentRequest:
    member_id: str
    method: str
    path: str
    key: str
    fingerprint: str  # of method, path and body: the same request in any JSON key order


@dataclass(frozen=True)
class SavedResponse:
    """What the first request with a key answered: its status and JSON body."""

    fingerprint: str
    status: int
    body: str

    def replay_for(self, request: IdempotentRequest) -> SavedResponse:
        if self.fingerprint != request.fingerprint:
            raise IdempotencyKeyReused(
                f"this {KEY} was already used with a different request body; "
                "use a new key for a new request",
                errors={KEY: ["Reused with another body."]},
            )
        return self
