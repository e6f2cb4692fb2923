"""Repositories of the checkins service, scoped to a team."""

from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from services.checkins.domain.model import Checkin, GoalView, MemberView


class Members:
    def __init__(self, session: Session):
        self.session = session

    def get(self, member_id: str) -> MemberView | None:
        return self.session.get(MemberView, member_id)

    def by_slack_user(self, slack_user_id: str) -> MemberView | None:
        return self.session.scalars(
            select(MemberView).where(MemberView.slack_user_id == slack_user_id)
        ).first()

    def upsert(self, view: MemberView) -> None:
        self.session.merge(view)


class Goals:
    def __init__(self, session: Session):
        self.session = session

    def get(self, team_id: str, goal_id: str) -> GoalView | None:
        goal = self.session.get(GoalView, goal_id)
        return goal if goal is not None and goal.team_id == team_id else None

    def upsert(self, view: GoalView) -> None:
        self.session.merge(view)


class Checkins:
    def __init__(self, session: Session):
        self.session = session

    def add(self, checkin: Checkin) -> None:
        self.session.add(checkin)

    def by_request(self, request_id: str) -> Checkin | None:
        return self.session.scalars(select(Checkin).where(Checkin.request_id == request_id)).first()

    def for_goal(self, goal_id: str, limit: int, after: list | None) -> list[Checkin]:
        query = select(Checkin).where(Checkin.goal_id == goal_id)
        if after is not None:
            query = query.where(tuple_(Checkin.created_at, Checkin.id) < tuple_(*after))
        query = query.order_by(Checkin.created_at.desc(), Checkin.id.desc()).limit(limit + 1)
        return list(self.session.scalars(query))
