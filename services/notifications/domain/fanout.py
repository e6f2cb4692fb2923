"""Turning one rendered event into notification rows: team channels, member feeds, mail, a URL.

Each row has a `target` (`channel:<id>`, `member:<id>`, `email:<member id>`, `url:<request id>`),
unique per event, so an event delivered twice can never notify the same target twice. Member
notifications follow the member's preferences (muted, digest, quiet hours) and snooze (see
`HELD_THROUGH_SNOOZE`); so does their mail (escalations and personal digests), which never goes
to a suppressed address. Slack and Teams
check-ins wait for a pause in the burst (see `DeliveryPolicy`) so that a burst leaves as one
message.

The notifier works on the repositories of the unit of work it is handed (`channels`,
`notifications`, `replicas`, `preferences`, `suppressions`) and asks it to wake the deliverer
after commit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.notifications.domain.adaptive_card import teams_body
from services.notifications.domain.channel import CHAT_TYPES, Channel
from services.notifications.domain.digest import DIGEST_EVENT, PERSONAL_DIGEST_EVENT
from services.notifications.domain.email import EMAILED_TYPES, Mail, in_readers_zone
from services.notifications.domain.messages import message
from services.notifications.domain.notification import Notification, RetryPolicy
from services.notifications.domain.preferences import Preferences
from services.notifications.domain.render import Rendered
from services.notifications.domain.replicas import GoalReplica, MemberReplica
from shared.clock import Clock
from shared.moments import MOMENT_FORMAT

CHANNEL_EVENT_TYPES = ("goal.created", "goal.achieved", "goal.milestone_completed",
                       "goal.health_changed", "checkin.logged", DIGEST_EVENT)
"""What team channels are sent (`Notifier.to_channels` from `service_layer.on_events`, and the
team digest from `service_layer.jobs`): the types a channel's filter may name. Kudos, comments,
reminders, missed check-ins and the rest go to members only."""

MEMBER_GONE = "the member left the team"
"""Why what waited for a member (held, for the digest, mail not sent yet) was never shown or
mailed: they left the team, or moved to another, meanwhile (`Notifier.drop_for_gone`, and the
deliverer's claim of a mail)."""

GOAL_MADE_PRIVATE = "the goal was made private"
GOAL_UNKNOWN = "the goal is not known"


def withheld_from_channels(goal: GoalReplica | None, team_id: str) -> str | None:
    """Why the channels of `team_id` must not hear of `goal` now, else None: it is private, or
    not known (as a goal of another team is not). Asked as a channel message is queued and
    again as it leaves (`Deliverer`): a goal made private while its message waited
    (coalescing, a backoff) is not announced. A closed goal still is."""
    if goal is None or goal.team_id != team_id:
        return GOAL_UNKNOWN
    return GOAL_MADE_PRIVATE if goal.is_private else None


HELD_THROUGH_SNOOZE = ("kudos.given", "comment.added", "channel.disabled", "channel.refused")
"""What a snooze holds until the member is back instead of dropping it: what a teammate said to
them, and a lead's notice that a team channel is broken (if every lead is away, the first back
hears it), as true on their return. All else a snoozed member would hear is stale by then
(reminders, missed check-ins, health alerts, teammates' check-ins, streaks, pairings): dropped."""

FOLDED_THROUGH_SNOOZE = ("channel.disabled", "channel.refused")
"""What a snooze holds at most one of per channel (`data["channel_id"]`) and type: a newer notice
takes the place of the one held (`Notifier._fold_held`) and says how often and since when, so a
lead back from holiday reads one notice per broken channel, not one per hour of the outage. A
channel repaired meanwhile leaves the held notice as it is: it tells what happened while the
lead was away, and the channel's page shows its state now."""


@dataclass
class DeliveryPolicy:
    """Pacing, leases, retries and coalescing of deliveries (each tunable, see `config`).

    The waits a message may sit through, and why each is there:
    - `coalesce_quiet` (3 s): a Slack or Teams check-in waits until its channel has been quiet
      that long, so a stand-up's burst of check-ins reads as one message, not a wall; by
      design the only wait longer than a round trip on the way from a check-in to Slack.
    - `coalesce_max` (60 s): an endless burst still goes out a minute after it began.
    - `pace` (1 s): Slack allows about one incoming-webhook message per second per channel.
    - `lease` (60 s): a claimed delivery is another worker's only after its worker died; longer
      than any webhook call may take.
    - `send_time` (15 s): the longest one send may take (webhooks: 3 s to connect, 5 s to
      read; SMTP: 10 s a step). A claimed message leaves only while that much of its lease is
      left; a batch slower than its lease leaves the rest to the next claim, so no message is
      posted by its worker after another worker claimed it.
    Other event types, member feeds and URLs are due at once.
    """

    coalesce_quiet: timedelta = timedelta(seconds=3)
    coalesce_max: timedelta = timedelta(seconds=60)
    coalesced_types: tuple[str, ...] = ("checkin.logged",)
    pace: timedelta = timedelta(seconds=1)
    lease: timedelta = timedelta(seconds=60)
    send_time: timedelta = timedelta(seconds=15)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def may_send(self, claimed_until: datetime | None, now: datetime) -> bool:
        """Whether a send starting `now` ends within its claim (of a lease shorter than twice
        `send_time`, half is kept for the send)."""
        return claimed_until is None or now + min(self.send_time, self.lease / 2) <= claimed_until

    def coalesces(self, channel: Channel, event_type: str) -> bool:
        return channel.type in CHAT_TYPES and event_type in self.coalesced_types


@dataclass(frozen=True)
class Occurrence:
    """The event being routed: its id, type, team, time, data and link."""

    event_id: str
    type: str
    team_id: str
    time: str
    data: dict = field(default_factory=dict)
    link: str | None = None


class Notifier:
    """`wake(uow)`: have the deliverer woken at `uow`'s commit, which queued something to send;
    `email`: SMTP is set, so escalations and personal digests also go by mail."""

    def __init__(self, clock: Clock, policy: DeliveryPolicy, wake: Callable[[Any], None], *,
                 take: Callable[[Any, Notification, Channel], None] | None = None,
                 email: bool = False):
        self.clock = clock
        self.policy = policy
        self.wake = wake
        self.take = take  # may claim a new channel message for the deliverer in its transaction
        self.email = email

    def to_channels(self, uow, what: Occurrence, rendered: Rendered, *,
                    health: str | None = None, channels: list[Channel] | None = None) -> int:
        """A message to each of `channels` (default: the team's active ones) that wants
        `what`; how many were made."""
        created = 0
        for channel in uow.channels.active_for(what.team_id) if channels is None else channels:
            if not channel.wants(what.type, health):
                continue
            note = self._make(uow, what, f"channel:{channel.id}", rendered,
                              channel_body(channel, what, rendered), channel_id=channel.id,
                              goal_id=what.data.get("goal_id"),
                              due_at=self._due(uow, channel, what))
            if note is not None:
                created += 1
                if self.take is not None:
                    self.take(uow, note, channel)
        return created

    def to_channel(self, uow, channel: Channel, what: Occurrence,
                   rendered: Rendered) -> Notification:
        """One message to one channel whatever its filters, due now (a lead's test message)."""
        note = Notification(what.team_id, f"channel:{channel.id}", what.event_id, what.type,
                            channel_body(channel, what, rendered), summary=rendered.summary,
                            created_at=self.clock.now(), channel_id=channel.id)
        uow.notifications.add(note)
        self.wake(uow)
        return note

    def to_members(self, uow, what: Occurrence, rendered: Rendered, member_ids: list[str], *,
                   as_digest: bool = False) -> int:
        """Feed items for members, by their preferences; `as_digest` is the digest itself.
        Members who left get nothing. A snoozed member gets nothing but the digest of what came
        before, and what `HELD_THROUGH_SNOOZE` names, held (its mail too) until the snooze ends
        (`Preferences.placement`)."""
        created = 0
        now = self.clock.now()
        for member_id in dict.fromkeys(member_ids):
            member = uow.replicas.member(member_id)
            if member is None or member.gone_from(what.team_id):
                continue
            snooze_end = None if as_digest else member.snooze_ends_at(now)
            if snooze_end is not None and what.type not in HELD_THROUGH_SNOOZE:
                continue
            prefs = uow.preferences.of(member_id, what.team_id)
            if prefs.mutes(what.type):
                continue
            status, visible_at = prefs.placement(now, member.timezone, allow_digest=not as_digest,
                                                 snooze_end=snooze_end)
            note = self._make(uow, what, member_target(member_id), rendered,
                              feed_body(rendered, what.link), recipient_id=member_id,
                              status=status, due_at=visible_at)
            if note is None:
                continue
            created += 1
            if status == "held" and snooze_end is not None and what.type in FOLDED_THROUGH_SNOOZE:
                self._fold_held(uow, note, what, rendered, member.timezone)
            if what.type in EMAILED_TYPES and member.email and status != "digest":
                self.to_email(uow, what, in_readers_zone(rendered, member.timezone),
                              member.email, member_id, due_at=visible_at)
        return created

    def _fold_held(self, uow, note: Notification, what: Occurrence, rendered: Rendered,
                   timezone: str) -> None:
        """Fold the notices of `what`'s type and channel held for `note`'s member into `note`
        (`FOLDED_THROUGH_SNOOZE`): they become `coalesced` into it, and it says how many came
        since the first, in the member's `timezone`. `note` is new (its event id was never
        made for the member), so an event delivered twice is counted once."""
        earlier = uow.notifications.held_notices(note.recipient_id, note.event_type,
                                                 f"{note.event_type}:{what.data['channel_id']}:")
        folded = [n for n in earlier if n.id != note.id]
        if not folded:
            return
        for old in folded:
            old.merge_into(note)
        first = min(n.created_at for n in folded)
        zone = ZoneInfo(timezone or "UTC")
        since = (first if first.tzinfo else first.replace(tzinfo=UTC)).astimezone(zone)
        since = since.strftime(MOMENT_FORMAT)
        lines = [f"While you were away this notice came {len(folded) + 1} times since "
                 f"{since}; the latest:", *rendered.lines]
        note.body = feed_body(Rendered(rendered.title, lines, rendered.summary), what.link)

    def place_held(self, uow, member_id: str, prefs: Preferences,
                   member: MemberReplica | None) -> int:
        """Place again, by `prefs` and the snooze of `member` (the member's copy) from now, what
        was held back (see `Notifications.held_for`): what nothing holds any more is shown, or
        mailed, on the deliverer's next pass; what quiet hours hold waits for their (new) end;
        a feed item waits for the digest only while the member takes one. While the member is
        snoozed, what of a type `HELD_THROUGH_SNOOZE` names waits for the snooze's (new) end,
        but for what waits for the digest already (the digest of what came before the snooze
        still comes). What is of a type the member now mutes is dropped (`muted`), as routing
        makes nothing of a muted type: a digest made already and held too, once the member
        mutes the digest. Returns how many were placed."""
        now = self.clock.now()
        timezone = member.timezone if member is not None else "UTC"
        snooze_end = member.snooze_ends_at(now) if member is not None else None
        held = uow.notifications.held_for(member_id, now)
        for note in held:
            if member is not None and member.gone_from(note.team_id):
                note.fail(MEMBER_GONE)
                continue
            if prefs.mutes(note.event_type):
                note.mute()
                continue
            snoozed = note.event_type in HELD_THROUGH_SNOOZE and note.status != "digest"
            digest = note.event_type == PERSONAL_DIGEST_EVENT
            note.place(*prefs.placement(now, timezone, allow_digest=not (note.is_email or digest),
                                        snooze_end=snooze_end if snoozed else None))
        if held:
            self.wake(uow)
        return len(held)

    def drop_for_gone(self, uow, member: MemberReplica) -> int:
        """Fail, `MEMBER_GONE`, what waits for `member` of a team they are no longer in (they
        left it, or moved to another): feed items held or waiting for the digest, and mail not
        sent yet (held by quiet hours, or backing off), but for mail being sent now. Returns
        how many."""
        waiting = [note for note in uow.notifications.waiting_for(member.member_id,
                                                                  self.clock.now())
                   if member.gone_from(note.team_id)]
        for note in waiting:
            note.fail(MEMBER_GONE)
        return len(waiting)

    def to_email(self, uow, what: Occurrence, rendered: Rendered, address: str, member_id: str,
                 *, transactional: bool = False, due_at: datetime | None = None) -> int:
        """A mail to the member `member_id` at `address`, which they can unsubscribe from
        unless it is `transactional`. Never to a suppressed address; only when SMTP is set."""
        if not self.email or uow.suppressions.blocks(address, transactional=transactional,
                                                     now=self.clock.now()):
            return 0
        mail = Mail(address, rendered, what.link, member_id, transactional)
        return self._add(uow, what, f"email:{member_id}", rendered, mail.dumps(), due_at=due_at)

    def to_url(self, uow, what: Occurrence, key: str, url: str, payload: dict,
               summary: str) -> int:
        rendered = Rendered(summary, [summary], summary)
        return self._add(uow, what, f"url:{key}", rendered, json.dumps(payload), url=url)

    def _add(self, uow, what: Occurrence, target: str, rendered: Rendered, body: str,
             **fields) -> int:
        return int(self._make(uow, what, target, rendered, body, **fields) is not None)

    def _make(self, uow, what: Occurrence, target: str, rendered: Rendered, body: str,
              **fields) -> Notification | None:
        """The notification of `what` to `target`, or None when it was made already."""
        if uow.notifications.exists(what.event_id, target):
            return None
        note = Notification(what.team_id, target, what.event_id, what.type, body,
                            summary=rendered.summary, created_at=self.clock.now(), **fields)
        uow.notifications.add(note)
        if note.status == "pending":
            self.wake(uow)
        return note

    def _due(self, uow, channel: Channel, what: Occurrence) -> datetime:
        """Now, or for a burst-prone chat message, after the burst (debounced, capped).

        A burst has one deadline per channel: the `next_attempt_at` of its head, the waiting row
        due within `coalesce_quiet` (a row claimed by the deliverer is leased further out, so
        it is never the head). Each new message pushes the head to `coalesce_quiet` from now,
        never past `coalesce_max` after the head was made; the newcomer is due at its own cap,
        after the head, which takes it along. Nothing else is re-timed: routing costs the same
        whatever the channel's backlog."""
        now = self.clock.now()
        if not self.policy.coalesces(channel, what.type):
            return now
        quiet_until = now + self.policy.coalesce_quiet
        head = uow.notifications.burst_head(channel.id, what.type, due_by=quiet_until)
        if head is None:
            return quiet_until
        head.next_attempt_at = min(quiet_until, head.created_at + self.policy.coalesce_max)
        return now + self.policy.coalesce_max


def member_target(member_id: str) -> str:
    """The target of a member's feed items."""
    return f"member:{member_id}"


def channel_body(channel: Channel, what: Occurrence, rendered: Rendered) -> str:
    """What `channel` is sent: for a signed webhook the event itself; for Slack and Teams what
    people read (`chat_body`)."""
    if channel.type == "webhook":
        return json.dumps({"event_id": what.event_id, "type": what.type,
                           "team_id": what.team_id, "occurred_at": what.time,
                           "summary": rendered.summary, "data": jsonable(what.data)})
    return chat_body(channel.type, rendered, what.link)


def chat_body(channel_type: str, rendered: Rendered, link: str | None) -> str:
    """What people read, from one content: an Adaptive Card for Teams, Block Kit for Slack."""
    if channel_type == "teams":
        return teams_body(rendered, link)
    return json.dumps(message(rendered.title, rendered.lines, link=link, typed=rendered.typed))


def feed_body(rendered: Rendered, link: str | None) -> str:
    return json.dumps({"title": rendered.title, "text": "\n".join(rendered.lines), "link": link})


def jsonable(value: Any) -> Any:
    """Event data as JSON can hold it: consumed timestamps (datetimes) back to ISO 8601."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value
