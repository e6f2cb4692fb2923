"""Accountability partnerships (invited, then accepted; ended by either) and pairing rounds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.checkins.domain.pairing import Round
from shared.domain import Aggregate, Conflict, Forbidden, Unprocessable

FIRST_RUN_WITHIN = timedelta(days=366)  # a schedule's first round: at most a year away
FIRST_RUN_LATE = timedelta(minutes=1)  # and at most this long ago, taken as now


def partners_in(member_ids: list[str], member_id: str) -> list[str]:
    """The others of a partnership's members, when `member_id` is one of them."""
    return [m for m in member_ids if m != member_id] if member_id in member_ids else []


STATUSES = ("invited", "active", "declined", "ended")  # declined: an invitation ended unaccepted


class Partnership(Aggregate):
    def __init__(self, team_id: str, member_ids: list[str], *, at: datetime,
                 invited_by: str | None = None, round_id: str | None = None):
        self.id = str(uuid.uuid4())
        self.team_id = team_id
        self.member_ids = sorted(member_ids)
        self.invited_by = invited_by
        self.round_id = round_id
        self.status = "invited"
        self.created_at = at
        self.started_at: datetime | None = None
        self.ended_at: datetime | None = None
        self.ended_by: str | None = None

    @classmethod
    def invitation(cls, team_id: str, inviter: str, invitee: str, *, at: datetime) -> Partnership:
        if inviter == invitee:
            raise Conflict("you cannot be your own accountability partner")
        return cls(team_id, [inviter, invitee], at=at, invited_by=inviter)

    @classmethod
    def from_round(cls, team_id: str, group: tuple[str, ...], round_id: str,
                   at: datetime) -> Partnership:
        partnership = cls(team_id, list(group), at=at, round_id=round_id)
        partnership._start(at)
        return partnership

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def includes(self, member_id: str) -> bool:
        return member_id in self.member_ids

    def partners_of(self, member_id: str) -> list[str]:
        return partners_in(self.member_ids, member_id)

    def accept(self, by: str, at: datetime, *, partnered_elsewhere: bool = False) -> None:
        """The invitee accepts; refused when the two became partners since (`partnered_elsewhere`:
        a round put them in a group), as two partnerships would then hold one pair."""
        if self.status != "invited":
            raise Conflict(f"this partnership is {self.status}; only an invitation can be accepted")
        if by == self.invited_by or not self.includes(by):
            raise Forbidden("only the invited member may accept")
        if partnered_elsewhere:
            raise Conflict("you are already partners in another active partnership; decline "
                           "this invitation instead")
        self._start(at)

    def end(self, by: str | None, at: datetime) -> None:
        if by is not None and not self.includes(by):
            raise Forbidden("only a partner may end this partnership")
        if self.status not in ("invited", "active"):
            raise Conflict(f"this partnership is already {self.status}")
        was_active = self.is_active
        self.status, self.ended_at, self.ended_by = ("ended" if was_active else "declined"), at, by
        if was_active:
            self.record("partnership.ended", self.team_id, {
                "partnership_id": self.id, "team_id": self.team_id,
                "member_ids": self.member_ids, "ended_by": by, "at": at.isoformat()})

    def leave(self, member_id: str, at: datetime, *, by: str | None) -> Partnership | None:
        """`member_id` steps out (`by` themself, or None when they left the team): the
        partnership ends, an invitation is declined, and in a group of three the other two go
        on as partners of the same round, the partnership returned."""
        if not self.includes(member_id):
            raise Forbidden("only a partner may end this partnership")
        was_active = self.is_active
        self.end(by, at)
        rest = self.partners_of(member_id)
        if not was_active or len(rest) < 2:
            return None
        continued = Partnership(self.team_id, rest, at=at, round_id=self.round_id)
        continued._start(at)
        return continued

    def _start(self, at: datetime) -> None:
        self.status, self.started_at = "active", at
        self.record("partners.paired", self.team_id, {
            "partnership_id": self.id, "team_id": self.team_id, "member_ids": self.member_ids,
            "round_id": self.round_id, "at": at.isoformat()})


class PairingRound(Aggregate):
    def __init__(self, team_id: str, number: int, *, seed: int, cooldown: int, result: Round,
                 left_out: list[str], note: str, at: datetime, run_by: str | None = None):
        self.id = str(uuid.uuid4())
        self.team_id = team_id
        self.number = number
        self.seed = seed
        self.cooldown = cooldown
        self.groups = [list(g) for g in result.groups]
        self.repeats = [list(p) for p in result.repeats]
        self.left_out = sorted(left_out)
        self.note = note
        self.run_by = run_by
        self.created_at = at

    def completed(self) -> None:
        self.record("pairing_round.completed", self.team_id, {
            "round_id": self.id, "team_id": self.team_id, "groups": self.groups,
            "repeats": self.repeats, "note": self.note, "left_out": self.left_out,
            "at": self.created_at.isoformat()})


def round_note(result: Round, eligible: int, cooldown: int,
               chosen: set[frozenset[str]] | None = None) -> str:
    """What the round says of itself: nobody paired, or the repeats it could not avoid and
    whose partners they are (the last `cooldown` rounds', or partners by their own choice,
    `chosen`, whom a round avoids grouping too)."""
    if eligible < 2:
        return "fewer than two eligible members; nobody was paired"
    if not result.repeats:
        return ""
    count = f"{len(result.repeats)} pair(s) repeat"
    if not result.optimal:
        return f"the search stopped before finding a grouping without repeats; {count}"
    by_choice = sum(1 for pair_ in result.repeats if frozenset(pair_) in (chosen or set()))
    whose = []
    if by_choice < len(result.repeats):
        whose.append(f"partners from the last {cooldown} round(s)")
    if by_choice:
        whose.append("partners by choice")
    return f"no grouping avoids {' or '.join(whose)}; {count}"


class PairingPreference:
    def __init__(self, team_id: str, member_id: str, opted_out: bool, at: datetime):
        self.team_id = team_id
        self.member_id = member_id
        self.opted_out = opted_out
        self.updated_at = at


def _first_run(first_run_at: datetime, now: datetime) -> datetime:
    """`first_run_at` in UTC, refused before now (but for `FIRST_RUN_LATE`: a client's own
    "now" arrives a moment late, and is now) or more than a year ahead."""
    if first_run_at < now - FIRST_RUN_LATE:
        raise Unprocessable("the first round must run now or later", errors={
            "first_run_at": ["Must be now or later."]})
    if first_run_at - now > FIRST_RUN_WITHIN:
        raise Unprocessable("the first round must run within a year of now", errors={
            "first_run_at": ["Must be within a year of now."]})
    return max(first_run_at.astimezone(UTC), now)


@dataclass
class PairingSchedule:
    team_id: str
    every_days: int
    cooldown: int
    next_run_at: datetime

    @classmethod
    def starting(cls, team_id: str, every_days: int, cooldown: int,
                 first_run_at: datetime | None, now: datetime,
                 current: PairingSchedule | None = None) -> PairingSchedule:
        """A schedule whose first round runs at `first_run_at` (now or within a year of now,
        a time up to `FIRST_RUN_LATE` ago being now; kept in UTC, as every time the API
        answers is), or one period from now. Saved again over the `current` one with its
        period and no `first_run_at`, it keeps the round already due next."""
        if first_run_at is not None:
            first_run_at = _first_run(first_run_at, now)
        if first_run_at is None and current is not None and current.every_days == every_days:
            first_run_at = current.next_run_at
        return cls(team_id, every_days, cooldown, first_run_at or now + timedelta(days=every_days))

    def due(self, now: datetime) -> bool:
        return self.next_run_at <= now

    def ran(self, now: datetime) -> None:
        while self.next_run_at <= now:
            self.next_run_at += timedelta(days=self.every_days)
