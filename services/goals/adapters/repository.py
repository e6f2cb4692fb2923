"""Repositories: how the service layer finds and adds aggregates, always scoped to a team."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.goals.domain.model import Goal, HistoryEntry, Member, ProgressPoint, Team


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

    def get(self, team_id: str) -> Team | None:
        return self.session.get(Team, team_id) if is_id(team_id) else None


class Members:
    def __init__(self, session: Session):
        self.session = session

    def add(self, member: Member) -> None:
        self.session.add(member)

    def get(self, team_id: str, member_id: str, *, for_update: bool = False) -> Member | None:
        if not is_id(member_id):
            return None
        member = self.session.get(Member, member_id, with_for_update=for_update)
        return member if member is not None and member.team_id == team_id else None

    def by_email(self, team_id: str, email: str) -> Member | None:
        return self.session.scalars(
            select(Member).where(Member.team_id == team_id, Member.email == email)
        ).first()

    def of_team(self, team_id: str, after: str | None, limit: int) -> list[Member]:
        query = select(Member).where(Member.team_id == team_id)
        if after is not None:
            query = query.where(Member.id > after)
        return list(self.session.scalars(query.order_by(Member.id).limit(limit)))

    def count_leads(self, team_id: str) -> int:
        return self.session.scalar(select(func.count()).select_from(Member).where(
            Member.team_id == team_id, Member.role == "lead", Member.state != "left"))


class Goals:
    def __init__(self, session: Session):
        self.session = session

    def add(self, goal: Goal) -> None:
        self.session.add(goal)

    def get(self, team_id: str, goal_id: str, *, for_update: bool = False) -> Goal | None:
        if not is_id(goal_id):
            return None
        goal = self.session.get(Goal, goal_id, with_for_update=for_update)
        return goal if goal is not None and goal.team_id == team_id else None

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


class ProgressPoints:
    def __init__(self, session: Session):
        self.session = session

    def add(self, point: ProgressPoint) -> None:
        self.session.add(point)

    def recent(self, *, team_id: str, owner_id: str | None, exclude_goal: str | None,
               limit: int = 2000) -> list[ProgressPoint]:
        query = select(ProgressPoint).where(ProgressPoint.team_id == team_id)
        if owner_id is not None:
            query = query.where(ProgressPoint.owner_id == owner_id)
        if exclude_goal is not None:
            query = query.where(ProgressPoint.goal_id != exclude_goal)
        return list(self.session.scalars(query.order_by(ProgressPoint.at.desc()).limit(limit)))
