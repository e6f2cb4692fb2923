"""Scheduled digests: the weekly team digest to Slack, and members' personal feed digests.

Both run as worker jobs reading the container's clock. A digest is keyed by its slot (the
scheduled local moment, in UTC), so a job run twice, or by two workers, sends it once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from services.notifications.domain.digest import (
    DIGEST_EVENT,
    PERSONAL_DIGEST_EVENT,
    DigestSettings,
    WeekFacts,
    personal_digest,
    team_digest,
)
from services.notifications.domain.preferences import PERSONAL_DIGEST_HOUR
from services.notifications.domain.schedule import latest_slot
from services.notifications.service_layer.notify import Notifier, Occurrence
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock

WEEK = timedelta(days=7)


class Digests:
    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], clock: Clock,
                 notifier: Notifier, public_url: str = ""):
        self.uow_factory = uow_factory
        self.clock = clock
        self.notifier = notifier
        self.public_url = public_url or None

    def send_team_digests(self) -> int:
        with self.uow_factory() as uow:
            teams = [s.team_id for s in uow.settings.digests()]
        return sum(self._team_digest(team_id) for team_id in teams)

    def _team_digest(self, team_id: str) -> int:
        now = self.clock.now()
        with self.uow_factory() as uow:
            settings: DigestSettings = uow.settings.digest(team_id)
            team = uow.directory.team(team_id)
            timezone = team.timezone if team else "UTC"
            slot = latest_slot(now, timezone, settings.hour, settings.weekday)
            if not settings.is_due(slot, now):
                return 0
            members = uow.directory.members(team_id)
            facts = WeekFacts(uow.directory.team_goals(team_id),
                              uow.directory.activity(team_id, slot - WEEK, slot),
                              {m.member_id: m.name for m in members})
            rendered = team_digest(team.name if team else "your team", facts)
            what = Occurrence(f"{DIGEST_EVENT}:{team_id}:{slot.date().isoformat()}", DIGEST_EVENT,
                              team_id, now.isoformat(), {"slot": slot.isoformat()}, self.public_url)
            sent = self.notifier.to_channels(uow, what, rendered)
            settings.last_slot = slot
            uow.commit()
        return sent

    def send_personal_digests(self) -> int:
        with self.uow_factory() as uow:
            members = uow.notifications.members_awaiting_digest()
        return sum(self._personal_digest(member_id) for member_id in members)

    def _personal_digest(self, member_id: str) -> int:
        now = self.clock.now()
        with self.uow_factory() as uow:
            member = uow.directory.member(member_id)
            if member is None:
                return 0
            prefs = uow.settings.preferences(member_id, member.team_id)
            slot = latest_slot(now, member.timezone, PERSONAL_DIGEST_HOUR, prefs.digest_weekday)
            waiting = uow.notifications.awaiting_digest(member_id, before=slot)
            if not waiting:
                return 0
            for item in waiting:
                item.status = "digested"
            rendered = personal_digest(prefs.digest, [n.summary for n in waiting])
            what = Occurrence(f"{PERSONAL_DIGEST_EVENT}:{slot.isoformat()}", PERSONAL_DIGEST_EVENT,
                              member.team_id, now.isoformat(), {}, self.public_url)
            sent = self.notifier.to_members(uow, what, rendered, [member_id], as_digest=True)
            uow.commit()
        return sent
