"""Repositories: how the service layer finds and adds aggregates, always scoped to a team, and
the partnerships read model kept from the checkins service's pairing events."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Integer,
    Select,
    TextClause,
    Update,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.orm import Session

from services.goals.adapters.orm import (
    invites,
    partnership_members,
    partnerships,
    progress_points,
    track_records,
)
from services.goals.domain.goal import Goal
from services.goals.domain.history import HistoryEntry, ProgressPoint
from services.goals.domain.invites import Invite
from services.goals.domain.members import Member, Team
from services.goals.domain.track_record import Rates, goal_rates
from shared.db import prebuilt, written_first
from shared.goal_statuses import CURRENT
from shared.retention import delete_chunk
from shared.uow import locked_rows


def is_id(value: object) -> bool:
    """Only well-formed ids reach the database (PostgreSQL rejects NUL bytes, for one)."""
    try:
        return str(uuid.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


class Teams:
    def __init__(self, session: Session):
        self.session = session

    def add(self, team: Team) -> None:
        self.session.add(team)

    def get(self, team_id: str, *, for_update: bool = False) -> Team | None:
        """`for_update` locks the team's row: changes that count its members (its leads) take
        turns behind it. The lock is NO KEY UPDATE, so a goal or member made meanwhile still
        has its foreign key to the team checked (KEY SHARE): a departure holding the team while
        it waits for the member a new goal has locked would otherwise deadlock with it."""
        if not is_id(team_id):
            return None
        return self.session.get(Team, team_id,
                                with_for_update={"key_share": True} if for_update else None)


class Members:
    def __init__(self, session: Session):
        self.session = session

    def add(self, member: Member) -> None:
        self.session.add(member)

    def get(self, team_id: str, member_id: str, *, for_update: bool = False) -> Member | None:
        """`for_update` locks the member's row and reads it as it is once locked, even when
        the transaction read it before (a change committed meanwhile included)."""
        if not is_id(member_id):
            return None
        member = self.session.get(Member, member_id, with_for_update=for_update,
                                  populate_existing=for_update)
        return member if member is not None and member.team_id == team_id else None

    def add_new(self, member: Member) -> bool:
        """Add the member, written at once; False when the team already has a member with that
        address or Slack user (written by a request that committed first: the unique indexes
        decide)."""
        return written_first(self.session, lambda: self.session.add(member))

    def name_slack_user(self, member: Member, slack_user_id: str) -> bool:
        """Set the member's Slack user, written at once (after what was pending); False when a
        teammate has it (written by a request that committed first: the unique index decides),
        the member left as it was."""
        return written_first(self.session,
                             lambda: setattr(member, "slack_user_id", slack_user_id))

    def by_email(self, team_id: str, email: str) -> Member | None:
        return self._first(Member.team_id == team_id, Member.email == email)

    def by_slack_user(self, team_id: str, slack_user_id: str) -> Member | None:
        return self._first(Member.team_id == team_id, Member.slack_user_id == slack_user_id)

    def _first(self, *where) -> Member | None:
        return self.session.scalars(select(Member).where(*where)).first()

    def signing_in_as(self, email: str) -> list[Member]:
        """The members (of any team) who may sign in with this address: all but those who left."""
        return list(self.session.scalars(select(Member).where(
            func.lower(Member.email) == email.strip().lower(), Member.state != "left")))

    def of_team(self, team_id: str, after: str | None, limit: int) -> list[Member]:
        query = select(Member).where(Member.team_id == team_id)
        if after is not None:
            query = query.where(Member.id > after)
        return list(self.session.scalars(query.order_by(Member.id).limit(limit)))

    def snoozed_through(self, day: date, after: tuple[date, str] | None,
                        limit: int) -> list[Member]:
        """Snoozed members whose `snoozed_until` is `day` or earlier, ordered by that day then
        id, after the (day, id) `after`, locked; a row another transaction holds is skipped (a
        change being made to that member), through the index of snoozed members."""
        query = select(Member).where(Member.state == "snoozed", Member.snoozed_until <= day)
        if after is not None:
            query = query.where(tuple_(Member.snoozed_until, Member.id) > tuple_(*after))
        query = query.order_by(Member.snoozed_until, Member.id).limit(limit)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def count_leads(self, team_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(Member).where(
            Member.team_id == team_id, Member.role == "lead", Member.state != "left"))


class Invites:
    def __init__(self, session: Session):
        self.session = session

    def add(self, invite: Invite) -> None:
        self.session.add(invite)

    def by_code_hash(self, code_hash: str, purpose: str = "invite") -> Invite | None:
        query = select(Invite).filter_by(code_hash=code_hash, purpose=purpose).with_for_update()
        return self.session.scalars(query).first()

    def unused_of(self, member_id: str, now: datetime, *,
                  sent_only: bool = False) -> list[Invite]:
        """The links not used, cancelled or expired by `now` that sign `member_id` in or that
        `member_id` sent (`sent_only`: that they sent to others), locked."""
        whose = (and_(Invite.created_by == member_id, Invite.member_id != member_id)
                 if sent_only else
                 or_(Invite.member_id == member_id, Invite.created_by == member_id))
        query = select(Invite).where(
            whose, Invite.used_at.is_(None), Invite.cancelled_at.is_(None),
            Invite.expires_at > now,
        ).order_by(Invite.id).with_for_update()
        return list(self.session.scalars(query))

    def purge_spent(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` links used, cancelled or expired before `before`; how many
        were. A link neither used nor cancelled that expires later stays, however old."""
        deleted = 0
        for spent_at in (invites.c.used_at, invites.c.cancelled_at, invites.c.expires_at):
            if deleted < limit:  # one time at a time: each seeks its index (an OR scans)
                deleted += delete_chunk(self.session, invites.c.id, spent_at < before,
                                        limit - deleted)
        return deleted


class Goals:
    def __init__(self, session: Session):
        self.session = session

    def add(self, goal: Goal) -> None:
        self.session.add(goal)

    def get(self, team_id: str, goal_id: str, *, for_update: bool = False) -> Goal | None:
        """`for_update` locks the row, once per transaction (a batch of check-ins on one goal),
        and reads it as it is once locked, even when the transaction read it before (a change
        committed meanwhile included: a parent named, then rolled up)."""
        if not is_id(goal_id):
            return None
        locked = locked_rows(self.session)
        if for_update and ("goal", goal_id) in locked:
            goal = self.session.get(Goal, goal_id)
        else:
            goal = self.session.get(Goal, goal_id, with_for_update=for_update,
                                    populate_existing=for_update)
            if for_update and goal is not None:
                locked.add(("goal", goal_id))
        return goal if goal is not None and goal.team_id == team_id else None

    def open_of_owner(self, team_id: str, owner_id: str) -> list[Goal]:
        """The owner's draft and active goals, locked."""
        query = (select(Goal).where(Goal.team_id == team_id, Goal.owner_id == owner_id,
                                    Goal.status.in_(CURRENT))
                 .order_by(Goal.id).with_for_update())
        return list(self.session.scalars(query))

    def children(self, parent_id: str) -> list[Goal]:
        return list(self.session.scalars(select(Goal).where(Goal.parent_id == parent_id)))

    def due_for_health_check(self, now: datetime, limit: int) -> list[Goal]:
        """Goals whose health may have changed by now; the index keeps this off a full scan."""
        query = (select(Goal).where(Goal.next_health_check_at <= now)
                 .order_by(Goal.next_health_check_at).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))


class History:
    def __init__(self, session: Session):
        self.session = session

    def add(self, entry: HistoryEntry) -> None:
        self.session.add(entry)

    def of_goal(self, goal_id: str, after: int | None, limit: int) -> list[HistoryEntry]:
        query = select(HistoryEntry).where(HistoryEntry.goal_id == goal_id)
        if after is not None:
            query = query.where(HistoryEntry.id > after)
        return list(self.session.scalars(query.order_by(HistoryEntry.id).limit(limit)))


# How many of an owner's (or a team's) latest progress points its track record is made of.
RECENT_POINTS = 2000


class ProgressPoints:
    def __init__(self, session: Session):
        self.session = session
        self._rates: dict[tuple[str, str | None], Rates] = {}

    def add(self, point: ProgressPoint) -> None:
        self._rates.clear()
        self.session.add(point)

    def rates(self, team_id: str, owner_id: str | None) -> Rates:
        """Each goal's shown weekly rate from the owner's (None: the team's) recent points; read
        once per unit of work however many goals are assessed."""
        key = (team_id, owner_id)
        if key not in self._rates:
            self._rates[key] = goal_rates(self.ends(team_id=team_id, owner_id=owner_id))
        return self._rates[key]

    def ends(self, *, team_id: str, owner_id: str | None, limit: int = RECENT_POINTS) -> list:
        """The first and the last point of each goal among the owner's (None: the team's)
        `limit` most recent points: all a goal's rate reads (`goal_rates`). The database picks
        them, so a long history costs an index range, not a row object per point."""
        return list(self.session.execute(_ends_query(owner_id is not None), {
            "team_id": team_id, "owner_id": owner_id, "limit": limit}))


def recent_points(by_owner: bool) -> Select:
    """The owner's (or the team's) `limit` newest points: read off an index that ends with
    (at, id), in order, without sorting the history."""
    pp = progress_points
    recent = select(pp.c.goal_id, pp.c.at, pp.c.id, pp.c.progress).where(
        pp.c.team_id == bindparam("team_id"))
    if by_owner:
        recent = recent.where(pp.c.owner_id == bindparam("owner_id"))
    return recent.order_by(pp.c.at.desc(), pp.c.id.desc()).limit(bindparam("limit", type_=Integer))


@prebuilt
def _ends_query(by_owner: bool) -> Select:
    recent = recent_points(by_owner).subquery()
    ranked = select(
        recent,
        func.row_number().over(partition_by=recent.c.goal_id,
                               order_by=(recent.c.at, recent.c.id)).label("up"),
        func.row_number().over(partition_by=recent.c.goal_id,
                               order_by=(recent.c.at.desc(), recent.c.id.desc())).label("down"),
    ).subquery()
    return (select(ranked.c.goal_id, ranked.c.at, ranked.c.id, ranked.c.progress)
            .where(or_(ranked.c.up == 1, ranked.c.down == 1)))


TEAM = ""  # the owner_id of a team's own track record


class TrackRecords:
    """Each member's and team's shown rate per recent goal, kept on write: a commit that adds
    progress points refreshes the records of their owners and teams, so reads never scan the
    points. The records are locked (in key order, one batch) before they are recomputed, so
    concurrent writers take turns; they are written back in one batch."""

    def __init__(self, session: Session, points: ProgressPoints):
        self.session = session
        self.points = points

    def refresh(self, owners: set[tuple[str, str]], at: datetime) -> None:
        """Recompute the records of these (team_id, owner_id) pairs and of their teams."""
        keys = sorted({*owners, *((team, TEAM) for team, _ in owners)})
        self.session.execute(_lock_statement(), [
            {"key_team": team_id, "key_owner": owner_id, "at": at} for team_id, owner_id in keys])
        self.session.execute(_write_statement(), [
            {"key_team": team_id, "key_owner": owner_id, "at": at,
             "new_rates": goal_rates(self.points.ends(team_id=team_id,
                                                      owner_id=owner_id or None))}
            for team_id, owner_id in keys])


@prebuilt
def _lock_statement() -> TextClause:
    """Creates a missing record and locks it; run for many records in one batch, in the order
    given. Written as text, which is compiled once and cached: SQLAlchemy's dialect upserts
    (`insert(...).on_conflict_do_update`) have no cache key and compile again on every run.
    PostgreSQL and SQLite read this ON CONFLICT clause alike."""
    return text(
        "INSERT INTO track_records (team_id, owner_id, rates, updated_at) "
        "VALUES (:key_team, :key_owner, '{}', :at) "
        "ON CONFLICT (team_id, owner_id) DO UPDATE SET updated_at = excluded.updated_at"
    ).bindparams(bindparam("at", type_=track_records.c.updated_at.type))


@prebuilt
def _write_statement() -> Update:
    return update(track_records).where(
        track_records.c.team_id == bindparam("key_team"),
        track_records.c.owner_id == bindparam("key_owner"),
    ).values(rates=bindparam("new_rates"), updated_at=bindparam("at"))


def partners_query(team_id: str, member_id: str):
    """The ids of `member_id`'s current partners (a subquery a goal query can use)."""
    pm, p = partnership_members, partnerships
    mine = select(pm.c.partnership_id).where(pm.c.member_id == member_id)
    return (select(pm.c.member_id).join(p, p.c.id == pm.c.partnership_id)
            .where(p.c.team_id == team_id, p.c.ended_at.is_(None),
                   pm.c.partnership_id.in_(mine), pm.c.member_id != member_id))


class Partnerships:
    """Who is paired with whom right now: partners see each other's private goals."""

    def __init__(self, session: Session):
        self.session = session

    def start(self, partnership_id: str, team_id: str, member_ids: list[str],
              at: datetime) -> None:
        if self._exists(partnership_id):
            return
        self.session.execute(insert(partnerships).values(id=partnership_id, team_id=team_id,
                                                         started_at=at))
        self.session.execute(insert(partnership_members), [
            {"partnership_id": partnership_id, "member_id": m} for m in dict.fromkeys(member_ids)])

    def end(self, partnership_id: str, team_id: str, at: datetime) -> None:
        """End the team's partnership `partnership_id` (another team's is not this team's to
        end)."""
        self.session.execute(update(partnerships).where(
            partnerships.c.id == partnership_id, partnerships.c.team_id == team_id,
            partnerships.c.ended_at.is_(None),
        ).values(ended_at=at))

    def partners_of(self, team_id: str, member_id: str) -> set[str]:
        return set(self.session.scalars(partners_query(team_id, member_id)))

    def _exists(self, partnership_id: str) -> bool:
        return self.session.execute(
            select(partnerships.c.id).where(partnerships.c.id == partnership_id)
        ).first() is not None
