"""Repositories of kudos, comments, partnerships and pairing rounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from services.checkins.domain.partners import (
    PairingPreference,
    PairingRound,
    PairingSchedule,
    Partnership,
)
from services.checkins.domain.social import Comment, Kudos


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

    def comments(self, checkin_id: str, limit: int, after: list | None) -> list[Comment]:
        query = select(Comment).where(Comment.checkin_id == checkin_id)
        if after is not None:
            query = query.where(tuple_(Comment.created_at, Comment.id) > tuple_(*after))
        return list(self.session.scalars(
            query.order_by(Comment.created_at, Comment.id).limit(limit + 1)))


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
        return list(self.session.scalars(select(Partnership).where(
            Partnership.team_id == team_id, Partnership.status.in_(("invited", "active")))
            .order_by(Partnership.created_at, Partnership.id)))

    def partners_of(self, team_id: str, member_id: str) -> set[str]:
        return {other for p in self.open_in_team(team_id) if p.is_active
                for other in p.partners_of(member_id)}

    def listing(self, team_id: str, limit: int, after: list | None) -> list[Partnership]:
        query = select(Partnership).where(Partnership.team_id == team_id)
        if after is not None:
            query = query.where(tuple_(Partnership.created_at, Partnership.id) < tuple_(*after))
        return list(self.session.scalars(query.order_by(
            Partnership.created_at.desc(), Partnership.id.desc()).limit(limit + 1)))


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

    def listing(self, team_id: str, limit: int, before: int | None) -> list[PairingRound]:
        query = select(PairingRound).where(PairingRound.team_id == team_id)
        if before is not None:
            query = query.where(PairingRound.number < before)
        return list(self.session.scalars(
            query.order_by(PairingRound.number.desc()).limit(limit + 1)))

    def preference(self, team_id: str, member_id: str) -> PairingPreference | None:
        return self.session.get(PairingPreference, (team_id, member_id))

    def opted_out(self, team_id: str) -> set[str]:
        return set(self.session.scalars(select(PairingPreference.member_id).where(
            PairingPreference.team_id == team_id, PairingPreference.opted_out.is_(True))))

    def save_preference(self, preference: PairingPreference) -> PairingPreference:
        return self.session.merge(preference)

    def schedule(self, team_id: str) -> PairingSchedule | None:
        return self.session.get(PairingSchedule, team_id)

    def save_schedule(self, schedule: PairingSchedule) -> PairingSchedule:
        return self.session.merge(schedule)

    def due_schedules(self, now: datetime, limit: int) -> list[str]:
        return list(self.session.scalars(select(PairingSchedule.team_id).where(
            PairingSchedule.next_run_at <= now).order_by(PairingSchedule.next_run_at).limit(limit)))

    def locked_schedule(self, team_id: str) -> PairingSchedule | None:
        return self.session.scalars(select(PairingSchedule).where(
            PairingSchedule.team_id == team_id).with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)).first()
