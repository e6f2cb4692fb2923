"""The commands and queries of the checkins service: the one input contract of every use case.

Each is a frozen dataclass naming the acting member (`actor`); `bootstrap.command_handlers()`
maps each to its handler in a `<feature>_handlers.py` module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.checkins.domain.checkin import Progress
from shared.auth import Principal
from shared.idempotency import IdempotentRequest
from shared.pagination import DEFAULT_LIMIT

DEFAULT_COOLDOWN = 3  # pairing rounds avoid partners of this many previous rounds


# -- check-ins --------------------------------------------------------------------------------
@dataclass(frozen=True)
class LogCheckin:
    actor: Principal
    goal_id: str
    progress: Progress
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class EditCheckin:
    actor: Principal
    checkin_id: str
    changes: dict = field(default_factory=dict)  # Progress fields to replace


@dataclass(frozen=True)
class GetCheckin:
    actor: Principal
    checkin_id: str


@dataclass(frozen=True)
class ListCheckins:
    actor: Principal
    goal_id: str
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class GetStreak:
    actor: Principal
    goal_id: str


@dataclass(frozen=True)
class ListDue:
    """When each goal of the team the caller may see is next due, and its streak."""

    actor: Principal
    team_id: str
    owner_id: str | None = None
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


# -- kudos and comments -----------------------------------------------------------------------
@dataclass(frozen=True)
class GiveKudos:
    actor: Principal
    checkin_id: str
    emoji: str


@dataclass(frozen=True)
class AddComment:
    actor: Principal
    checkin_id: str
    text: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ListComments:
    actor: Principal
    checkin_id: str
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


# -- partnerships and the pairing opt-out -----------------------------------------------------
@dataclass(frozen=True)
class InvitePartner:
    actor: Principal
    team_id: str
    member_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class AcceptPartnership:
    actor: Principal
    team_id: str
    partnership_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class EndPartnership:
    actor: Principal
    team_id: str
    partnership_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ListPartnerships:
    actor: Principal
    team_id: str
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    status: tuple[str, ...] = ()  # any of these; every status when empty


@dataclass(frozen=True)
class SetPairingOptOut:
    actor: Principal
    team_id: str
    member_id: str
    opted_out: bool


@dataclass(frozen=True)
class GetPairingOptOut:
    actor: Principal
    team_id: str
    member_id: str


# -- pairing rounds and their schedule --------------------------------------------------------
@dataclass(frozen=True)
class RunRound:
    actor: Principal
    team_id: str
    seed: int | None = None
    cooldown: int = DEFAULT_COOLDOWN
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ListRounds:
    actor: Principal
    team_id: str
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None


@dataclass(frozen=True)
class GetRound:
    actor: Principal
    team_id: str
    round_id: str


@dataclass(frozen=True)
class SetPairingSchedule:
    actor: Principal
    team_id: str
    every_days: int
    cooldown: int = DEFAULT_COOLDOWN
    first_run_at: datetime | None = None


@dataclass(frozen=True)
class GetPairingSchedule:
    actor: Principal
    team_id: str


@dataclass(frozen=True)
class DeletePairingSchedule:
    actor: Principal
    team_id: str


# -- calendar feed ----------------------------------------------------------------------------
@dataclass(frozen=True)
class IssueCalendarFeed:
    """Create or renew a member's private feed URL (the old URL stops working)."""

    actor: Principal
    team_id: str
    member_id: str


@dataclass(frozen=True)
class GetCalendarFeed:
    actor: Principal
    team_id: str
    member_id: str


@dataclass(frozen=True)
class RevokeCalendarFeed:
    actor: Principal
    team_id: str
    member_id: str


@dataclass(frozen=True)
class RenderCalendarFeed:
    """The feed behind a URL; the token is the only credential. `link` is Goalkeeper's URL."""

    token: str
    link: str
