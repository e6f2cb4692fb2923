"""Plain building blocks for domain models: aggregates that record events, and domain errors."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

_sequence = itertools.count()


def next_seq() -> int:
    """A number greater than every event recorded so far (marks a savepoint)."""
    return next(_sequence)


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened; the unit of work turns it into an outbox row on commit."""

    type: str
    team_id: str
    data: dict
    subject: str | None = None
    seq: int = field(default_factory=lambda: next(_sequence), compare=False)


class Aggregate:
    """Mixin for domain objects that record events. Works for ORM-loaded instances too."""

    def record(self, event_type: str, team_id: str, data: dict, subject: str | None = None) -> None:
        self.__dict__.setdefault("_pending_events", []).append(
            DomainEvent(event_type, str(team_id), data, subject)
        )

    def pop_events(self) -> list[DomainEvent]:
        return self.__dict__.pop("_pending_events", [])


class DomainError(Exception):
    """Base of errors the API turns into 4xx problems. `status` is the HTTP status."""

    status = 400
    title = "Bad Request"

    def __init__(self, detail: str, *, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class NotFound(DomainError):
    status = 404
    title = "Not Found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


class Unprocessable(DomainError):
    """Semantically invalid input; `errors` maps field names to messages."""

    status = 422
    title = "Unprocessable Entity"


class PreconditionFailed(DomainError):
    status = 412
    title = "Precondition Failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "Precondition Required"
