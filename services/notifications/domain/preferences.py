"""A member's notification preferences: muted event types, digest mode and quiet hours."""

from __future__ import annotations

from datetime import datetime

from services.notifications.domain.digest import PERSONAL_DIGEST_EVENT
from services.notifications.domain.refusals import CHANNEL_REFUSED
from services.notifications.domain.schedule import quiet_until

DELIVERY_MODES = ("immediate", "digest")
DIGEST_FREQUENCIES = ("daily", "weekly")
MUTABLE_TYPES = ("checkin.logged", "checkin.reminder", "checkin.missed", "goal.health_changed",
                 "streak.reached", "kudos.given", "comment.added", "partners.paired",
                 "channel.disabled", CHANNEL_REFUSED, PERSONAL_DIGEST_EVENT)
"""What notifications tells members (`Notifier.to_members` from `service_layer.on_events`, and
the leads' channel notices and the personal digest from `service_layer.jobs`): the types a
member may mute. A new goal, a goal achieved and a milestone done go to team channels only."""


class Preferences:
    def __init__(self, member_id: str, team_id: str, *, muted: list[str] | None = None,
                 delivery: str = "immediate", digest: str = "daily",
                 quiet_start: str | None = None, quiet_end: str | None = None):
        self.member_id = member_id
        self.team_id = team_id
        self.muted = ",".join(muted or [])
        self.delivery = delivery
        self.digest = digest
        self.quiet_start = quiet_start
        self.quiet_end = quiet_end

    @classmethod
    def default(cls, member_id: str, team_id: str) -> Preferences:
        return cls(member_id, team_id)

    @property
    def muted_list(self) -> list[str]:
        """The muted types members can be told of: a mute of another, saved before such mutes
        were refused, silenced nothing and is not listed (so the list can be sent back)."""
        return [t for t in self.muted.split(",") if t in MUTABLE_TYPES]

    @property
    def quiet_hours(self) -> dict | None:
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return {"start": self.quiet_start, "end": self.quiet_end}

    def update(self, *, muted: list[str], delivery: str, digest: str,
               quiet_hours: dict | None) -> None:
        self.muted = ",".join(dict.fromkeys(muted))
        self.delivery = delivery
        self.digest = digest
        self.quiet_start = quiet_hours["start"] if quiet_hours else None
        self.quiet_end = quiet_hours["end"] if quiet_hours else None

    def mutes(self, event_type: str) -> bool:
        return event_type in self.muted_list

    @property
    def takes_digest(self) -> bool:
        """Updates wait for the personal digest: digest delivery, and the digest not muted
        (a muted digest would fold them into a digest nobody gets)."""
        return self.delivery == "digest" and not self.mutes(PERSONAL_DIGEST_EVENT)

    def placement(self, now: datetime, timezone: str, *, allow_digest: bool = True,
                  snooze_end: datetime | None = None) -> tuple[str, datetime]:
        """Where a new in-app notification goes now: (status, visible from). One a snooze holds
        (`snooze_end`, the moment it ends) is held until the member is back, or until the quiet
        hours their return falls in end; never for the digest, which comes during a snooze."""
        if snooze_end is not None and snooze_end > now:
            return "held", self.placement(snooze_end, timezone, allow_digest=False)[1]
        if self.takes_digest and allow_digest:
            return "digest", now
        if self.quiet_hours is not None:
            until = quiet_until(now, timezone, self.quiet_start, self.quiet_end)
            if until is not None:
                return "held", until
        return "sent", now

    @property
    def digest_weekday(self) -> int | None:
        """Weekly digests come on Mondays; daily ones every day."""
        return 0 if self.digest == "weekly" else None
