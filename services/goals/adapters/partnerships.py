"""The partnerships read model, kept from the checkins service's pairing events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.goals.adapters.orm import partnership_members as pm
from services.goals.adapters.orm import partnerships as p


class Partnerships:
    def __init__(self, session: Session):
        self.session = session

    def start(self, partnership_id: str, team_id: str, member_ids: list[str],
              at: datetime) -> None:
        if self._exists(partnership_id):
            return
        self.session.execute(insert(p).values(id=partnership_id, team_id=team_id, started_at=at))
        self.session.execute(insert(pm), [{"partnership_id": partnership_id, "member_id": m}
                                          for m in dict.fromkeys(member_ids)])

    def end(self, partnership_id: str, at: datetime) -> None:
        self.session.execute(update(p).where(p.c.id == partnership_id, p.c.ended_at.is_(None))
                             .values(ended_at=at))

    def partners_of(self, team_id: str, member_id: str) -> set[str]:
        mine = select(pm.c.partnership_id).where(pm.c.member_id == member_id)
        rows = self.session.execute(
            select(pm.c.member_id).join(p, p.c.id == pm.c.partnership_id)
            .where(p.c.team_id == team_id, p.c.ended_at.is_(None),
                   pm.c.partnership_id.in_(mine), pm.c.member_id != member_id))
        return {row.member_id for row in rows}

    def _exists(self, partnership_id: str) -> bool:
        return self.session.execute(
            select(p.c.id).where(p.c.id == partnership_id)).first() is not None
