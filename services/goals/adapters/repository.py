"""Repositories: how the service layer finds and adds aggregates, always scoped to a team."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.goals.domain.model import Goal, Member, Team


class Teams:
    def __init__(self, session: Session):
        self.session = session

    def add(self, team: Team) -> None:
        self.session.add(team)

    def get(self, team_id: str) -> Team | None:
        return self.session.get(Team, team_id)


class Members:
    def __init__(self, session: Session):
        self.session = session

    def add(self, member: Member) -> None:
        self.session.add(member)

    def get(self, team_id: str, member_id: str) -> Member | None:
        member = self.session.get(Member, member_id)
        return member if member is not None and member.team_id == team_id else None

    def by_email(self, team_id: str, email: str) -> Member | None:
        return self.session.scalars(
            select(Member).where(Member.team_id == team_id, Member.email == email)
        ).first()


class Goals:
    def __init__(self, session: Session):
        self.session = session

    def add(self, goal: Goal) -> None:
        self.session.add(goal)

    def get(self, team_id: str, goal_id: str, *, for_update: bool = False) -> Goal | None:
        goal = self.session.get(Goal, goal_id, with_for_update=for_update)
        return goal if goal is not None and goal.team_id == team_id else None
