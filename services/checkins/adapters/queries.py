"""Read-side queries: the paginated lists of check-ins, comments, partnerships and rounds.

Each returns one page and the cursor of the next (keyset pagination, `limit + 1` rows read).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import Session

from services.checkins.domain.checkin import Checkin
from services.checkins.domain.partners import PairingRound, Partnership
from services.checkins.domain.replicas import GoalView, MemberView, TeamView
from services.checkins.domain.schedule import GoalSchedule
from services.checkins.domain.social import Comment
from shared.pagination import (
    BAD_CURSOR,
    InvalidCursor,
    decode_cursor,
    decode_moment_cursor,
    page_of,
)

Page = tuple[list, str | None]


class Listings:
    def __init__(self, session: Session):
        self.session = session

    def scheduled_goals(self, team_id: str, owner_id: str | None = None, *,
                        chunk: int, only_checked_in_before: datetime | None = None,
                        ) -> Iterator[tuple[GoalSchedule, GoalView]]:
        """The team's active check-in schedules (one owner's if given) with their goals, soonest
        due first (then by goal id), read `chunk` at a time as the caller goes on (keyset on
        both), each with the goals' owners and team: a timetable and an owner's availability
        then find them in the identity map (an owner whose `member.*` event has not arrived
        yet is looked for again). Those due before `only_checked_in_before` are left out
        unless checked in for their open occurrence. A caller that reads in one snapshot
        (`snapshot_reader`) gets each schedule once; else a change committed between two
        chunks may move one past where the next starts, or before where it starts."""
        query = (select(GoalSchedule, GoalView, MemberView, TeamView)
                 .join(GoalView, GoalView.goal_id == GoalSchedule.goal_id)
                 .outerjoin(MemberView, MemberView.member_id == GoalView.owner_id)
                 .outerjoin(TeamView, TeamView.team_id == GoalView.team_id)
                 .where(GoalSchedule.team_id == team_id, GoalView.team_id == team_id,
                        GoalSchedule.active.is_(True))
                 .order_by(GoalSchedule.due_at, GoalSchedule.goal_id).limit(chunk))
        if owner_id is not None:
            query = query.where(GoalSchedule.owner_id == owner_id)
        if only_checked_in_before is not None:
            query = query.where(or_(GoalSchedule.checked_in.is_(True),
                                    GoalSchedule.due_at >= only_checked_in_before))
        after: tuple[datetime, str] | None = None
        while True:
            rows = self.session.execute(query if after is None else query.where(
                tuple_(GoalSchedule.due_at, GoalSchedule.goal_id) > tuple_(*after))).all()
            for schedule, goal, _owner, _team in rows:
                yield schedule, goal
            if len(rows) < chunk:
                return
            after = rows[-1][0].due_at, rows[-1][0].goal_id

    def checkins_of_goal(self, goal_id: str, limit: int, cursor: str | None) -> Page:
        """Newest first."""
        query = select(Checkin).where(Checkin.goal_id == goal_id)
        after = decode_moment_cursor(cursor)
        if after is not None:
            query = query.where(tuple_(Checkin.created_at, Checkin.id) < tuple_(*after))
        rows = self.session.scalars(
            query.order_by(Checkin.created_at.desc(), Checkin.id.desc()).limit(limit + 1))
        return page_of(list(rows), limit, lambda c: (c.created_at.isoformat(), c.id))

    def checkins_changed_at(self, goal_id: str) -> datetime | None:
        """The latest moment one of the goal's check-ins was logged or corrected; None while
        it has none."""
        return self.session.scalar(select(
            func.max(func.coalesce(Checkin.edited_at, Checkin.created_at))).where(
                Checkin.goal_id == goal_id))

    def comments_of_checkin(self, checkin_id: str, limit: int, cursor: str | None) -> Page:
        """Oldest first."""
        query = select(Comment).where(Comment.checkin_id == checkin_id)
        after = decode_moment_cursor(cursor)
        if after is not None:
            query = query.where(tuple_(Comment.created_at, Comment.id) > tuple_(*after))
        rows = self.session.scalars(
            query.order_by(Comment.created_at, Comment.id).limit(limit + 1))
        return page_of(list(rows), limit, lambda c: (c.created_at.isoformat(), c.id))

    def partnerships_of_team(self, team_id: str, limit: int, cursor: str | None,
                             status: tuple[str, ...] = ()) -> Page:
        """Newest first; only those in any of `status`, when given."""
        query = select(Partnership).where(Partnership.team_id == team_id)
        if status:
            query = query.where(Partnership.status.in_(status))
        after = decode_moment_cursor(cursor)
        if after is not None:
            query = query.where(tuple_(Partnership.created_at, Partnership.id) < tuple_(*after))
        rows = self.session.scalars(query.order_by(
            Partnership.created_at.desc(), Partnership.id.desc()).limit(limit + 1))
        return page_of(list(rows), limit, lambda p: (p.created_at.isoformat(), p.id))

    def rounds_of_team(self, team_id: str, limit: int, cursor: str | None) -> Page:
        """Newest (highest number) first."""
        query = select(PairingRound).where(PairingRound.team_id == team_id)
        before = decode_cursor(cursor, 1)
        if before is not None:
            if not isinstance(before[0], int):
                raise InvalidCursor(BAD_CURSOR)
            query = query.where(PairingRound.number < before[0])
        rows = self.session.scalars(query.order_by(PairingRound.number.desc()).limit(limit + 1))
        return page_of(list(rows), limit, lambda r: (r.number,))
