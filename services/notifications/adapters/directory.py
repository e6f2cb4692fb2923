"""The read model (teams, members, goals, partners, activity) and members' own settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.notifications.domain.digest import DigestSettings
from services.notifications.domain.preferences import Preferences
from services.notifications.domain.views import (
    Activity,
    GoalView,
    MemberView,
    Partnership,
    SlackRequest,
    TeamView,
)


class Directory:
    def __init__(self, session: Session):
        self.session = session

    def team(self, team_id: str) -> TeamView | None:
        return self.session.get(TeamView, team_id)

    def member(self, member_id: str | None) -> MemberView | None:
        return self.session.get(MemberView, member_id) if member_id else None

    def goal(self, goal_id: str | None) -> GoalView | None:
        return self.session.get(GoalView, goal_id) if goal_id else None

    def upsert(self, view: object) -> None:
        self.session.merge(view)

    def leads(self, team_id: str) -> list[MemberView]:
        return list(self.session.scalars(
            select(MemberView).where(MemberView.team_id == team_id, MemberView.role == "lead",
                                     MemberView.state == "active")
        ))

    def members(self, team_id: str) -> list[MemberView]:
        return list(self.session.scalars(select(MemberView).where(MemberView.team_id == team_id)))

    def by_slack_user(self, slack_user_id: str) -> MemberView | None:
        return self.session.scalars(
            select(MemberView).where(MemberView.slack_user_id == slack_user_id,
                                     MemberView.state != "left").limit(1)
        ).first()

    def goals_of(self, member_id: str) -> list[GoalView]:
        return list(self.session.scalars(
            select(GoalView).where(GoalView.owner_id == member_id).order_by(GoalView.title)
        ))

    def team_goals(self, team_id: str) -> list[GoalView]:
        return list(self.session.scalars(
            select(GoalView).where(GoalView.team_id == team_id).order_by(GoalView.title)
        ))

    def partners_of(self, team_id: str, member_id: str) -> list[str]:
        rows = self.session.scalars(select(Partnership).where(Partnership.team_id == team_id))
        return list(dict.fromkeys(p for row in rows for p in row.partners_of(member_id)))

    def end_partnership(self, partnership_id: str) -> None:
        partnership = self.session.get(Partnership, partnership_id)
        if partnership is not None:
            self.session.delete(partnership)

    def record(self, activity: Activity) -> None:
        self.session.add(activity)

    def activity(self, team_id: str, since: datetime, until: datetime) -> list[Activity]:
        return list(self.session.scalars(
            select(Activity).where(Activity.team_id == team_id, Activity.at >= since,
                                   Activity.at < until).order_by(Activity.at)
        ))


class Settings:
    """Members' preferences, teams' digest settings and pending Slack requests."""

    def __init__(self, session: Session):
        self.session = session

    def preferences(self, member_id: str, team_id: str) -> Preferences:
        """The member's stored preferences, or unsaved defaults."""
        found = self.session.get(Preferences, member_id)
        return found if found is not None else Preferences.default(member_id, team_id)

    def digest(self, team_id: str) -> DigestSettings | None:
        return self.session.get(DigestSettings, team_id)

    def add(self, obj: object) -> None:
        self.session.add(obj)

    def save(self, obj: object) -> None:
        self.session.merge(obj)

    def digests(self) -> list[DigestSettings]:
        return list(self.session.scalars(
            select(DigestSettings).where(DigestSettings.enabled.is_(True))
        ))

    def slack_request(self, request_id: str | None) -> SlackRequest | None:
        return self.session.get(SlackRequest, request_id) if request_id else None
