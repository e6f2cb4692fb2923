"""A team's channel: a Slack incoming webhook, a Microsoft Teams Workflows webhook, or a signed
outgoing webhook, with its filters."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from shared.domain import Aggregate, Conflict, is_blank

CHANNEL_TYPES = ("slack", "teams", "webhook")
CHAT_TYPES = ("slack", "teams")  # people read these: rendered messages, paced and coalesced
ALERT_HEALTH = ("at_risk", "off_track", "overdue")
CHANNEL_DELETED = "channel deleted"  # why the messages it had queued were not sent
CHANNEL_DISABLED = "channel disabled"
DISABLED_BY_LEAD = "disabled by a lead"
SIGNATURE_REFUSALS = (401, 403)  # a signed webhook's receiver refusing the signature it got
REFUSED_EVERY_RETRY = "(refused every retry)"  # ends the reason a retried refusal disables for


def _csv(values: list[str] | tuple[str, ...] | None) -> str:
    return ",".join(values or [])


def _split(raw: str | None) -> list[str]:
    return [part for part in (raw or "").split(",") if part]


class Channel(Aggregate):
    """A team's Slack or Teams webhook or signed outgoing webhook, with what it wants to hear."""

    def __init__(self, team_id: str, type: str, url: str, *, name: str = "",
                 event_types: list[str] | None = None, health: list[str] | None = None,
                 created_at: datetime, id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id = team_id
        self.type = type
        self.url = url
        self.name = type if is_blank(name) else name
        self.event_types = _csv(event_types)
        self.health = _csv(health)
        self.secret = secrets.token_urlsafe(32) if type == "webhook" else None
        self.previous_secret: str | None = None  # still signs, beside `secret`, until:
        self.previous_secret_until: datetime | None = None
        self.state = "active"
        self.disabled_reason: str | None = None
        self.created_at = created_at
        self.last_sent_at: datetime | None = None
        self.resume_at: datetime | None = None  # the webhook's Retry-After: nothing before

    @property
    def event_type_list(self) -> list[str]:
        return _split(self.event_types)

    @property
    def health_list(self) -> list[str]:
        return _split(self.health)

    @property
    def is_active(self) -> bool:
        return self.state == "active"

    def wants(self, event_type: str, health: str | None = None) -> bool:
        """Active, the type passes the filter, and a health alert is one this channel wants."""
        if not self.is_active or not self.takes(event_type):
            return False
        return health is None or health in (self.health_list or ALERT_HEALTH)

    def takes(self, event_type: str) -> bool:
        """Whether its filter passes `event_type`, active or not (a disabled channel enabled
        again takes what it takes)."""
        return not self.event_types or event_type in self.event_type_list

    def change(self, *, name: str | None = None, event_types: list[str] | None = None,
               health: list[str] | None = None, state: str | None = None) -> None:
        """Apply what a lead sent; a state the channel is already in changes nothing, so a
        channel the system disabled keeps its reason ("410 channel_is_archived")."""
        if name is not None:
            self.name = self.type if is_blank(name) else name
        if event_types is not None:
            self.event_types = _csv(event_types)
        if health is not None:
            self.health = _csv(health)
        if state == "active":
            self._enable()
        elif state == "disabled" and self.state != "disabled":
            self.disable(DISABLED_BY_LEAD)

    def move_to(self, url: str) -> None:
        """Send to `url` from now on. A channel its receiver's answers disabled (gone,
        redirected, refusing) is enabled again, as the lead has pointed it elsewhere; one a lead
        disabled stays off. The old receiver's Retry-After no longer holds anything."""
        if url == self.url:
            return
        self.url, self.resume_at = url, None
        if self.state == "disabled" and self.disabled_reason != DISABLED_BY_LEAD:
            self._enable()

    def rotate_secret(self, now: datetime, grace: timedelta) -> None:
        """A new signing secret; the one it replaces still signs every delivery beside it for
        `grace`, so the receiver can switch without refusing any. Refused (409) while a
        rotation's grace runs: a second one would drop a secret the receiver may still hold;
        the refusal names the grace's end in ISO 8601 with its offset, as the channel's
        `previous_secret_until` is shown, for a client to show in its reader's zone.
        A channel its receiver disabled for refusing the signature every retry
        (`SIGNATURE_REFUSALS`) is enabled again, as the lead now has a secret to give it; one
        disabled for another reason (its URL gone, a lead) stays off."""
        if self.type != "webhook":
            raise Conflict(f"a {self.type} channel is not signed; only a webhook channel has a "
                           f"signing secret to rotate")
        if self.previous_secret_until is not None and now < self.previous_secret_until:
            raise Conflict(
                f"this channel's secret was rotated already, and the secret before it still "
                f"signs every delivery until "
                f"{self.previous_secret_until.isoformat(timespec='seconds')} "
                f"for a receiver that holds it; rotate again after that (to stop signing with "
                f"every older secret at once, delete the channel and add it again)")
        # to the second: the grace's end is shown to leads (and the refusal above names it)
        self.previous_secret_until = (now + grace).replace(microsecond=0)
        self.previous_secret = self.secret
        self.secret = secrets.token_urlsafe(32)
        if self.state == "disabled" and self.refused_signature:
            self._enable()

    @property
    def refused_signature(self) -> bool:
        """Disabled by its receiver refusing every retry with 401 or 403."""
        reason = self.disabled_reason or ""
        return (reason.startswith(tuple(f"{status} " for status in SIGNATURE_REFUSALS))
                and reason.endswith(REFUSED_EVERY_RETRY))

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a delivery sent at `now` is signed with, the newest first: a replaced
        secret only while its grace runs. (The worker's purge erases it from the row after,
        `Channels.erase_expired_secrets`.)"""
        if self.previous_secret and (self.previous_secret_until is None
                                     or now < self.previous_secret_until):
            return (self.secret, self.previous_secret)
        return (self.secret,) if self.secret else ()

    def hold_until(self, moment: datetime) -> None:
        """The webhook asked (Retry-After) that nothing more come before `moment`."""
        self.resume_at = max(self.resume_at or moment, moment)

    @property
    def unsent_reason(self) -> str:
        """Why a message for this channel, no longer active, is not sent."""
        return CHANNEL_DISABLED if self.state == "disabled" else CHANNEL_DELETED

    def _enable(self) -> None:
        self.state, self.disabled_reason = "active", None

    def disable(self, reason: str) -> None:
        self.state = "disabled"
        self.disabled_reason = reason

    def delete(self) -> None:
        self.state = "deleted"
