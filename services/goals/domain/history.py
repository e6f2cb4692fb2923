"""What is remembered beside a goal's current state: its change log and its progress points."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class HistoryEntry:
    """One change to a goal: who made it, when, what it was, and the fields it changed."""

    goal_id: str
    team_id: str
    at: datetime
    actor_id: str | None
    action: str
    changes: dict = field(default_factory=dict)
    id: int | None = None


@dataclass
class ProgressPoint:
    """A goal's progress (0..1) at a moment; the owner's track record is made of these."""

    goal_id: str
    team_id: str
    owner_id: str
    at: datetime
    progress: float
    id: int | None = None


def jsonable(value: object) -> object:
    """A field value as it goes into the change log."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return value
