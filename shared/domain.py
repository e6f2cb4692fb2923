"""Plain building blocks for domain models: aggregates that record events, and domain errors."""

from __future__ import annotations

import itertools
import unicodedata
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


BLANK_TEXT = "Must not be blank."
"""What a text that must be given answers when it is empty or `is_blank`: one wording for
every such field of every service (a title, a name, a unit, a comment)."""


def is_blank(text: str) -> bool:
    """Whether `text` shows nothing to read: only spaces and line breaks, or characters that
    draw nothing (zero-width spaces and joiners, and other format characters)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def changed(current: object, changes: dict) -> dict:
    """The `changes` (attribute name -> new value) whose values differ from `current`'s: what
    an edit really changes. Empty when it repeats what is there; then nothing moves (no
    event, no new version, no edited time)."""
    return {name: value for name, value in changes.items() if getattr(current, name) != value}


class DomainError(Exception):
    """Base of the errors a use case raises on input it refuses; the web layer maps each kind
    to an HTTP status (`shared.problems.STATUS_OF`)."""

    def __init__(self, detail: str, *, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


class BadRequest(DomainError):
    """The request is malformed (a cursor or key that this service never issued)."""


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know it exists."""


class Conflict(DomainError):
    """The request does not fit the thing's current state."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unprocessable(DomainError):
    """Semantically invalid input; `errors` maps field names to messages."""


class PreconditionFailed(DomainError):
    """The caller's version of the thing is stale (If-Match)."""


class Unavailable(DomainError):
    """Something this needs (another service, Slack) cannot take it now: try again later."""


class PreconditionRequired(DomainError):
    """A change needs the version the caller last read (If-Match)."""
