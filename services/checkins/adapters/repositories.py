"""Repositories of the read model, check-ins and schedules, each query scoped to a team."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.checkins.domain.checkin import Checkin
from services.checkins.domain.model import GoalView, MemberView, TeamView
from services.checkins.domain.schedule import GoalSchedule


class Teams:
    def __init__(self, session: Session):
        self.session = session

    def get(self, team_id: str) -> TeamView | None:
        return self.session.get(TeamView, team_id)

    def upsert(self, view: TeamView) -> TeamView:
        return self.session.merge(view)


class Members:
    def __init__(self, session: Session):
        self.session = session

    def get(self, member_id: str) -> MemberView | None:
        return self.session.get(MemberView, member_id)

    def in_team(self, team_id: str, member_id: str) -> MemberView | None:
        member = self.get(member_id)
        return member if member is not None and member.team_id == team_id else None

    def of_team(self, team_id: str) -> list[MemberView]:
        return list(self.session.scalars(
            select(MemberView).where(MemberView.team_id == team_id)
            .order_by(MemberView.member_id)))

    def leads(self, team_id: str) -> list[str]:
        return [m.member_id for m in self.of_team(team_id) if m.is_lead and m.state != "left"]

    def upsert(self, view: MemberView) -> MemberView:
        return self.session.merge(view)


class Goals:
    def __init__(self, session: Session):
        self.session = session

    def get(self, team_id: str, goal_id: str) -> GoalView | None:
        goal = self.session.get(GoalView, goal_id)
        return goal if goal is not None and goal.team_id == team_id else None

    def owned_by(self, member_id: str) -> list[GoalView]:
        return list(self.session.scalars(
            select(GoalView).where(GoalView.owner_id == member_id).order_by(GoalView.title)))

    def upsert(self, view: GoalView) -> GoalView:
        return self.session.merge(view)


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

    def for_goal(self, goal_id: str, limit: int, after: list | None) -> list[Checkin]:
        query = select(Checkin).where(Checkin.goal_id == goal_id)
        if after is not None:
            query = query.where(tuple_(Checkin.created_at, Checkin.id) < tuple_(*after))
        query = query.order_by(Checkin.created_at.desc(), Checkin.id.desc()).limit(limit + 1)
        return list(self.session.scalars(query))


class Schedules:
    def __init__(self, session: Session):
        self.session = session

    def get(self, goal_id: str) -> GoalSchedule | None:
        return self.session.get(GoalSchedule, goal_id)

    def locked(self, goal_id: str, *, skip_locked: bool = False) -> GoalSchedule | None:
        """The row, locked for this transaction (PostgreSQL; SQLite's write lock already is)."""
        return self.session.scalars(
            select(GoalSchedule).where(GoalSchedule.goal_id == goal_id)
            .with_for_update(skip_locked=skip_locked)
            .execution_options(populate_existing=True)).first()

    def add(self, schedule: GoalSchedule) -> None:
        self.session.add(schedule)

    def due_ids(self, now: datetime, limit: int) -> list[str]:
        """Goals with something to do by `now`: an index range scan, never the whole table."""
        return list(self.session.scalars(
            select(GoalSchedule.goal_id).where(GoalSchedule.next_action_at <= now)
            .order_by(GoalSchedule.next_action_at).limit(limit)))
