"""Repositories of the checkins database, scoped to a team, and the idempotency ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from services.checkins.domain.calendar import CalendarFeed
from services.checkins.domain.checkin import Checkin, Rejection
from services.checkins.domain.partners import (
    PairingPreference,
    PairingRound,
    PairingSchedule,
    Partnership,
    partners_in,
)
from services.checkins.domain.replicas import GoalView, MemberView, TeamView
from services.checkins.domain.schedule import GoalSchedule
from services.checkins.domain.social import Comment, Kudos
from shared.db import prebuilt, written_first
from shared.retention import delete_chunk
from shared.uow import memo, remembered
from shared.upserts import upsert


class Teams:
    def __init__(self, session: Session):
        self.session = session

    def get(self, team_id: str) -> TeamView | None:
        """A team whose `team.*` event has not arrived yet is read once per transaction."""
        return remembered(self.session, ("team", team_id),
                          lambda: self.session.get(TeamView, team_id))

    def upsert(self, view: TeamView) -> TeamView:
        memo(self.session).pop(("team", view.team_id), None)
        return upsert(self.session, view)


class Members:
    def __init__(self, session: Session):
        self.session = session

    def get(self, member_id: str) -> MemberView | None:
        """A member whose `member.*` event has not arrived yet is read once per transaction."""
        return remembered(self.session, ("member", member_id),
                          lambda: self.session.get(MemberView, member_id))

    def in_team(self, team_id: str, member_id: str) -> MemberView | None:
        member = self.get(member_id)
        return member if member is not None and member.team_id == team_id else None

    def lock(self, member_ids: list[str]) -> None:
        """Lock the members' rows until the transaction ends, in id order (so two locking the
        same members never wait for each other crosswise); on PostgreSQL: SQLite's writers take
        turns anyway."""
        self.session.execute(select(MemberView.member_id)
                             .where(MemberView.member_id.in_(member_ids))
                             .order_by(MemberView.member_id).with_for_update())

    def of_team(self, team_id: str) -> list[MemberView]:
        return list(self.session.scalars(
            select(MemberView).where(MemberView.team_id == team_id)
            .order_by(MemberView.member_id)))

    def leads(self, team_id: str) -> list[str]:
        return [m.member_id for m in self.of_team(team_id) if m.is_lead and m.state != "left"]

    def upsert(self, view: MemberView) -> MemberView:
        memo(self.session).pop(("member", view.member_id), None)
        return upsert(self.session, view)


class Goals:
    def __init__(self, session: Session):
        self.session = session

    def get(self, team_id: str, goal_id: str) -> GoalView | None:
        """The goal, read with its team in one statement: a check-in's schedule then finds
        the team (time zone, default cadence) in the identity map."""
        if identity_key(GoalView, goal_id) in self.session.identity_map:
            goal = self.session.get(GoalView, goal_id)  # refreshed if expired, None if gone
        else:
            row = self.session.execute(_goal_with_team(), {"goal_id": goal_id}).first()
            goal = row[0] if row is not None else None
        return goal if goal is not None and goal.team_id == team_id else None

    def owned_by(self, member_id: str) -> list[GoalView]:
        return list(self.session.scalars(
            select(GoalView).where(GoalView.owner_id == member_id).order_by(GoalView.title)))

    def upsert(self, view: GoalView) -> GoalView:
        return upsert(self.session, view)


class CalendarFeeds:
    def __init__(self, session: Session):
        self.session = session

    def get(self, member_id: str) -> CalendarFeed | None:
        return self.session.get(CalendarFeed, member_id)

    def locked(self, member_id: str) -> CalendarFeed | None:
        """The member's feed, locked until the transaction ends (its latest committed state)."""
        return self.session.get(CalendarFeed, member_id, with_for_update=True,
                                populate_existing=True)

    def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        return self.session.scalar(
            select(CalendarFeed).where(CalendarFeed.token_hash == token_hash))

    def add_new(self, feed: CalendarFeed) -> bool:
        """False when the member's feed was added meanwhile (by a request sent at once)."""
        return written_first(self.session, lambda: self.session.add(feed))


class Checkins:
    def __init__(self, session: Session):
        self.session = session

    def add(self, checkin: Checkin) -> None:
        self.session.add(checkin)

    def get(self, team_id: str, checkin_id: str) -> Checkin | None:
        checkin = self.session.get(Checkin, checkin_id)
        return checkin if checkin is not None and checkin.team_id == team_id else None

    def by_request(self, request_id: str) -> Checkin | None:
        return self.session.scalars(select(Checkin).where(Checkin.request_id == request_id)).first()

    def answered(self, request_id: str) -> bool:
        """Whether the request was answered already: logged as a check-in, or rejected."""
        return (self.by_request(request_id) is not None
                or self.session.get(Rejection, request_id) is not None)

    def reject(self, rejection: Rejection) -> None:
        self.session.add(rejection)

    def purge_rejections(self, older_than: datetime, limit: int) -> int:
        """Delete up to `limit` rejections made before `older_than`; how many were."""
        return delete_chunk(self.session, Rejection.request_id,
                            Rejection.rejected_at < older_than, limit)


class Schedules:
    def __init__(self, session: Session):
        self.session = session

    def get(self, goal_id: str) -> GoalSchedule | None:
        return self.session.get(GoalSchedule, goal_id)

    def locked(self, goal_id: str, *, skip_locked: bool = False) -> GoalSchedule | None:
        """The row, locked for this transaction (PostgreSQL; SQLite's write lock already is).
        Once per transaction: a row locked (or found absent) before is taken from memory."""
        known = memo(self.session)
        if ("schedule", goal_id) in known:
            return known[("schedule", goal_id)]
        schedule = self.session.scalars(_locked_schedule(skip_locked),
                                        {"goal_id": goal_id}).first()
        if schedule is not None or not skip_locked:  # skipped: maybe locked by another
            known[("schedule", goal_id)] = schedule
        return schedule

    def lock_many(self, goal_ids: list[str]) -> None:
        """Lock the rows of `goal_ids` in one statement (in id order, as every batch does)."""
        known = memo(self.session)
        wanted = sorted({g for g in goal_ids if ("schedule", g) not in known})
        if not wanted:
            return
        found = {s.goal_id: s for s in self.session.scalars(
            select(GoalSchedule).where(GoalSchedule.goal_id.in_(wanted))
            .order_by(GoalSchedule.goal_id).with_for_update()
            .execution_options(populate_existing=True))}
        for goal_id in wanted:
            known[("schedule", goal_id)] = found.get(goal_id)

    def add(self, schedule: GoalSchedule) -> None:
        self.session.add(schedule)
        memo(self.session)[("schedule", schedule.goal_id)] = schedule

    def due_ids(self, now: datetime, limit: int) -> list[str]:
        """Goals with something to do by `now`: an index range scan, never the whole table."""
        return list(self.session.scalars(
            select(GoalSchedule.goal_id).where(GoalSchedule.next_action_at <= now)
            .order_by(GoalSchedule.next_action_at).limit(limit)))


class Social:
    def __init__(self, session: Session):
        self.session = session

    def add(self, item: Kudos | Comment) -> None:
        self.session.add(item)

    def kudos_from(self, checkin_id: str, from_id: str, emoji: str) -> Kudos | None:
        return self.session.scalars(select(Kudos).where(
            Kudos.checkin_id == checkin_id, Kudos.from_id == from_id, Kudos.emoji == emoji)).first()

    def kudos_counts(self, checkin_ids: list[str]) -> dict[str, dict[str, int]]:
        rows = self.session.execute(
            select(Kudos.checkin_id, Kudos.emoji, func.count()).where(
                Kudos.checkin_id.in_(checkin_ids)).group_by(Kudos.checkin_id, Kudos.emoji))
        counts: dict[str, dict[str, int]] = {}
        for checkin_id, emoji, count in rows:
            counts.setdefault(checkin_id, {})[emoji] = count
        return counts


class Partnerships:
    def __init__(self, session: Session):
        self.session = session

    def add(self, partnership: Partnership) -> None:
        self.session.add(partnership)

    def get(self, team_id: str, partnership_id: str) -> Partnership | None:
        found = self.session.get(Partnership, partnership_id)
        return found if found is not None and found.team_id == team_id else None

    def open_in_team(self, team_id: str) -> list[Partnership]:
        """Invited and active partnerships (a team has at most a few dozen)."""
        return list(self.session.scalars(_open_partnerships(), {"team_id": team_id}))

    def partners_of(self, team_id: str, member_id: str) -> set[str]:
        """The member's partners in the team's active partnerships: their member lists only,
        read without loading a partnership (a check-in reads this on every request)."""
        lists = self.session.scalars(_active_member_lists(), {"team_id": team_id})
        return {other for member_ids in lists for other in partners_in(member_ids, member_id)}


class Rounds:
    def __init__(self, session: Session):
        self.session = session

    def add(self, pairing_round: PairingRound) -> None:
        self.session.add(pairing_round)

    def get(self, team_id: str, round_id: str) -> PairingRound | None:
        found = self.session.get(PairingRound, round_id)
        return found if found is not None and found.team_id == team_id else None

    def latest(self, team_id: str, count: int) -> list[PairingRound]:
        return list(self.session.scalars(select(PairingRound).where(
            PairingRound.team_id == team_id).order_by(PairingRound.number.desc()).limit(count)))

    def preference(self, team_id: str, member_id: str) -> PairingPreference | None:
        return self.session.get(PairingPreference, (team_id, member_id))

    def opted_out(self, team_id: str) -> set[str]:
        return set(self.session.scalars(select(PairingPreference.member_id).where(
            PairingPreference.team_id == team_id, PairingPreference.opted_out.is_(True))))

    def save_preference(self, preference: PairingPreference) -> PairingPreference:
        """Write the member's preference over theirs. A first one saved twice at the same
        moment (a double click) is written by both: the one whose new row the member's key
        refused writes over the other's, as a later save would."""
        if self.preference(preference.team_id, preference.member_id) is None and written_first(
                self.session, lambda: self.session.add(preference)):
            return preference
        return self.session.merge(preference)

    def schedule(self, team_id: str) -> PairingSchedule | None:
        return self.session.get(PairingSchedule, team_id)

    def save_schedule(self, schedule: PairingSchedule) -> PairingSchedule:
        return self.session.merge(schedule)

    def add_first_schedule(self, schedule: PairingSchedule) -> bool:
        """Write the team's first schedule: False when a save at the same moment wrote one
        first (the team's key refused this one; the transaction goes on)."""
        return written_first(self.session, lambda: self.session.add(schedule))

    def delete_schedule(self, schedule: PairingSchedule) -> None:
        self.session.delete(schedule)

    def due_schedules(self, now: datetime, limit: int) -> list[str]:
        return list(self.session.scalars(select(PairingSchedule.team_id).where(
            PairingSchedule.next_run_at <= now).order_by(PairingSchedule.next_run_at).limit(limit)))

    def locked_schedule(self, team_id: str, *,
                        skip_locked: bool = False) -> PairingSchedule | None:
        """The team's schedule as committed, its row locked for this transaction (PostgreSQL;
        SQLite's write lock already is); with `skip_locked`, None while another holds it."""
        return self.session.scalars(select(PairingSchedule).where(
            PairingSchedule.team_id == team_id).with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)).first()


# The statements of a check-in's request.
@prebuilt
def _goal_with_team() -> Select:
    return (select(GoalView, TeamView)
            .outerjoin(TeamView, TeamView.team_id == GoalView.team_id)
            .where(GoalView.goal_id == bindparam("goal_id")))


@prebuilt
def _locked_schedule(skip_locked: bool) -> Select:
    return (select(GoalSchedule).where(GoalSchedule.goal_id == bindparam("goal_id"))
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True))


@prebuilt
def _active_member_lists() -> Select:
    """Of mapped attributes, so that, like a repository's other reads, it first flushes what
    the unit of work changed (a partnership ended or formed earlier in the transaction)."""
    return select(Partnership.member_ids).where(Partnership.team_id == bindparam("team_id"),
                                                Partnership.status == "active")


@prebuilt
def _open_partnerships() -> Select:
    return (select(Partnership).where(Partnership.team_id == bindparam("team_id"),
                                      Partnership.status.in_(("invited", "active")))
            .order_by(Partnership.created_at, Partnership.id))
