"""The checkins service's own kinds of domain error."""

from __future__ import annotations

from shared.domain import BadRequest, Unprocessable


class Rejected(Unprocessable):
    """A check-in requested from Slack that cannot be logged; the reason goes back to Slack."""


class InvalidIdempotencyKey(BadRequest):
    """The Idempotency-Key is empty, too long or not printable."""


class IdempotencyKeyReused(Unprocessable):
    """The Idempotency-Key was already used with another request body."""
