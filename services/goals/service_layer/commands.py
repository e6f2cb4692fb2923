"""Commands and queries: the one input of every goals use case, the acting member included.

A view builds one from the request and hands it to the bus (`bus().handle(...)`); the bus finds
its handler (see `bootstrap.py`) and injects the unit of work, clock and token signer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from shared.auth import Principal
from shared.idempotency import IdempotentRequest

# -- teams and members ------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMember:
    """A member to add: the lead of a new team, or a member a lead adds."""

    name: str
    email: str
    timezone: str
    role: str = "member"
    slack_user_id: str | None = None
    working_hours: dict | None = None
    default_cadence: dict | None = None


@dataclass(frozen=True)
class CreateTeam:
    actor: Principal  # the admin
    name: str
    timezone: str
    lead: NewMember
    require_smart: bool = False
    default_cadence: dict | None = None


@dataclass(frozen=True)
class GetTeam:
    actor: Principal
    team_id: str


@dataclass(frozen=True)
class UpdateTeam:
    actor: Principal
    team_id: str
    changes: Mapping[str, object]


@dataclass(frozen=True)
class AddMember:
    actor: Principal
    team_id: str
    member: NewMember
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ListMembers:
    actor: Principal
    team_id: str
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class GetMember:
    actor: Principal
    team_id: str
    member_id: str


@dataclass(frozen=True)
class UpdateMember:
    """Self: profile and snooze (`snoozed_until`). Lead: also role and state."""

    actor: Principal
    team_id: str
    member_id: str
    changes: Mapping[str, object]


@dataclass(frozen=True)
class RotateToken:
    """Revoke every token of the member and issue a fresh one."""

    actor: Principal
    team_id: str
    member_id: str


@dataclass(frozen=True)
class RevokeTokens:
    actor: Principal
    team_id: str
    member_id: str


@dataclass(frozen=True)
class InviteMember:
    """A lead asks for a one-time invite link for a member of the team."""

    actor: Principal
    team_id: str
    member_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class RedeemInvite:
    """Whoever holds the code signs in as the invited member, once (a repeat under the first's
    idempotency key, within a minute, gets the first answer)."""

    code: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class RequestSignInLink:
    """Someone asks for an email sign-in link; only a member's address gets one."""

    email: str


@dataclass(frozen=True)
class RedeemSignInLink:
    """Whoever holds the mailed code signs in as that member, once, within 15 minutes (a
    repeat under the first's idempotency key, within a minute, gets the first answer)."""

    code: str
    idempotency: IdempotentRequest | None = None


# -- goals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateGoal:
    actor: Principal
    title: str
    due_date: date
    description: str = ""
    why: str = ""
    start_date: date | None = None
    metric: dict | None = None
    status: str = "active"
    kind: str = "personal"
    visibility: str = "team"
    parent_id: str | None = None
    parent_weight: float = 1.0
    cadence: dict | None = None
    milestones: list = field(default_factory=list)
    owner_id: str | None = None
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class AssessDraft:
    """A goal as it would be created, assessed and not saved."""

    actor: Principal
    title: str
    due_date: date | None = None
    description: str = ""
    why: str = ""
    start_date: date | None = None
    metric: dict | None = None
    kind: str = "personal"
    visibility: str = "team"
    parent_id: str | None = None
    parent_weight: float = 1.0
    cadence: dict | None = None
    milestones: list = field(default_factory=list)
    owner_id: str | None = None


@dataclass(frozen=True)
class GetGoal:
    actor: Principal
    goal_id: str


@dataclass(frozen=True)
class FindGoals:
    actor: Principal
    owner_id: list[str] | None = None  # any of them
    status: list[str] | None = None  # any of them
    kind: str | None = None
    health: str | None = None
    horizon: str | None = None
    parent_id: str | None = None
    due_before: date | None = None
    sort: str = "due_date"
    cursor: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class EditGoal:
    """`expected_version` is the version If-Match named (None for `*`)."""

    actor: Principal
    goal_id: str
    changes: Mapping[str, object]
    expected_version: int | None


@dataclass(frozen=True)
class GoalHistory:
    actor: Principal
    goal_id: str
    cursor: str | None = None
    limit: int = 50


# -- milestones and pathways ------------------------------------------------------------------


@dataclass(frozen=True)
class AddMilestone:
    actor: Principal
    goal_id: str
    title: str
    due_date: date | None = None
    pathway_id: str | None = None  # the active pathway when None
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ReorderMilestones:
    actor: Principal
    goal_id: str
    milestone_ids: list[str]
    pathway_id: str | None = None


@dataclass(frozen=True)
class CompleteMilestone:
    actor: Principal
    goal_id: str
    milestone_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ReopenMilestone:
    actor: Principal
    goal_id: str
    milestone_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class AddPathway:
    actor: Principal
    goal_id: str
    name: str
    description: str = ""
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class SwitchPathway:
    actor: Principal
    goal_id: str
    pathway_id: str
    reason: str
    idempotency: IdempotentRequest | None = None


# -- lifecycle --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivateGoal:
    actor: Principal
    goal_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class AchieveGoal:
    actor: Principal
    goal_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class ReopenGoal:
    actor: Principal
    goal_id: str
    idempotency: IdempotentRequest | None = None


@dataclass(frozen=True)
class CloseGoal:
    actor: Principal
    goal_id: str
    outcome: str  # partial | missed | dropped
    retrospective: str = ""
    replaced_by: str | None = None
    idempotency: IdempotentRequest | None = None


# -- templates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListTemplates:
    actor: Principal


@dataclass(frozen=True)
class GetTemplate:
    actor: Principal
    key: str


@dataclass(frozen=True)
class InstantiateTemplate:
    """`parameters` are already checked against the template's declared parameters."""

    actor: Principal
    key: str
    parameters: Mapping[str, object]
    why: str = ""
    parent_id: str | None = None
    visibility: str = "team"
    idempotency: IdempotentRequest | None = None
