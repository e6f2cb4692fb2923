"""Repositories: channels, notifications and their attempts, the read models of other services,
members' preferences and teams' digest settings, and pending Slack requests."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from services.notifications.adapters.orm import notifications as table
from services.notifications.adapters.orm import slack_events, slack_rate_limits, slack_requests
from services.notifications.domain.announcement import AwaitedCheckin
from services.notifications.domain.channel import Channel
from services.notifications.domain.digest import ChannelWeek, DigestSettings
from services.notifications.domain.email import REFUSED, Suppression, normalise
from services.notifications.domain.notification import DeliveryAttempt, Notification
from services.notifications.domain.preferences import Preferences
from services.notifications.domain.replicas import (
    Activity,
    CheckinDue,
    GoalReplica,
    MemberReplica,
    Partnership,
    StreakReplica,
    TeamReplica,
)
from services.notifications.domain.slack_dm import SlackDm, SlackTask
from services.notifications.domain.slack_workspace import (
    UNLINKED,
    InstallTicket,
    LinkTicket,
    SlackIdentity,
    SlackWorkspace,
)
from services.notifications.domain.slash import SlackRequest
from shared.db import written_first
from shared.retention import delete_chunk
from shared.uow import locked_rows, memo, remembered
from shared.upserts import INSERTS, upsert

_NOT_READ = object()


class Channels:
    def __init__(self, session: Session):
        self.session = session

    def add(self, channel: Channel) -> None:
        self.session.add(channel)
        memo(self.session).pop(("channels", channel.team_id), None)

    def get(self, team_id: str, channel_id: str | None, *,
            for_update: bool = False) -> Channel | None:
        """The team's channel; `for_update` (a lead's change, the record of a send's answer)
        locks its row, as it is once locked, so two changes take turns. The lock is NO KEY
        UPDATE: messages for the channel are still made meanwhile (see `hold`)."""
        channel = self.session.get(
            Channel, channel_id, with_for_update={"key_share": True} if for_update else None,
            populate_existing=for_update) if channel_id else None
        if channel is None or channel.team_id != team_id or channel.state == "deleted":
            return None
        return channel

    def hold(self, channel: Channel) -> bool:
        """Whether this transaction holds the channel to pace a send from it, its row read
        afresh. On PostgreSQL the row is locked without waiting: False while another
        transaction holds it (a claim or a hand-over that may be sending from it now), so
        two transactions never both pass its pace. The lock is NO KEY UPDATE, so messages
        for the channel are still made meanwhile (their foreign key's check takes KEY SHARE,
        which FOR UPDATE would make wait). Held once per transaction (`locked_rows`: a batch
        of messages to one channel locks it once). SQLite's writers take turns already."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        locked = locked_rows(self.session)
        if ("channel", channel.id) in locked:
            return True
        held = self.session.scalars(
            select(Channel).where(Channel.id == channel.id)
            .with_for_update(key_share=True, skip_locked=True)
            .execution_options(populate_existing=True)).first() is not None
        if held:
            locked.add(("channel", channel.id))
        return held

    def active_for(self, team_id: str) -> list[Channel]:
        """Read once per transaction (a batch of events to one team reads it once)."""
        channels = remembered(self.session, ("channels", team_id), lambda: list(
            self.session.scalars(
                select(Channel).where(Channel.team_id == team_id, Channel.state == "active")
                .order_by(Channel.created_at))))
        return [c for c in channels if c.state == "active"]

    def for_team(self, team_id: str) -> list[Channel]:
        return list(self.session.scalars(
            select(Channel).where(Channel.team_id == team_id, Channel.state != "deleted")
            .order_by(Channel.created_at)
        ))

    def erase_expired_secrets(self, now: datetime) -> int:
        """Erase every replaced signing secret whose grace is over by `now`, the channel's
        state whatever it is, in one statement; how many were. `previous_secret_until` stays:
        it says when the grace ended. A rotation meanwhile (its row locked) is waited for and
        its fresh grace kept, as the condition is read again on the row it left."""
        return self.session.execute(
            update(Channel).where(Channel.previous_secret.is_not(None),
                                  Channel.previous_secret_until <= now)
            .values(previous_secret=None)
            .execution_options(synchronize_session=False)).rowcount or 0


class Notifications:
    def __init__(self, session: Session):
        self.session = session

    def add(self, notification: Notification) -> None:
        self.session.add(notification)
        known = memo(self.session)
        targets = known.get(("targets", notification.event_id))
        if targets is not None:
            targets.add(notification.target)
        head = ("burst", notification.channel_id, notification.event_type)
        if head in known and (known[head] is None or _sooner(notification, known[head])):
            known[head] = notification

    def get(self, notification_id: str) -> Notification | None:
        return self.session.get(Notification, notification_id)

    def exists(self, event_id: str, target: str) -> bool:
        targets = memo(self.session).get(("targets", event_id))
        if targets is not None:
            return target in targets
        query = select(Notification.id).where(Notification.event_id == event_id,
                                              Notification.target == target)
        return self.session.execute(query.limit(1)).first() is not None

    def of_events(self, event_ids: tuple[str, ...]) -> list[Notification]:
        """The notifications of `event_ids`, locked until commit in id order (PostgreSQL;
        SQLite's writers take turns already): a claim of one of them (`due` locks it) commits
        before this reads it, or claims it after this commits."""
        query = (select(Notification).where(Notification.event_id.in_(event_ids))
                 .order_by(Notification.id))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return list(self.session.scalars(query))

    def read_targets(self, event_ids: list[str]) -> None:
        """The targets already notified of each of `event_ids`, in one statement, so that
        `exists` answers a batch's events from memory."""
        known = memo(self.session)
        wanted = [e for e in dict.fromkeys(event_ids) if ("targets", e) not in known]
        if not wanted:
            return
        for event_id in wanted:
            known[("targets", event_id)] = set()
        rows = self.session.execute(select(Notification.event_id, Notification.target)
                                    .where(Notification.event_id.in_(wanted)))
        for event_id, target in rows:
            known[("targets", event_id)].add(target)

    def due(self, now: datetime, limit: int) -> list[Notification]:
        query = (
            select(Notification)
            .where(Notification.status == "pending", Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def next_due(self) -> datetime | None:
        """The earliest moment the deliverer has something to do by the clock: a pending
        notification's `next_attempt_at` (due now, paced, waiting out a coalescing window, a
        backoff or a lease) or a held feed item's (the end of quiet hours). One statement, two
        seeks of the due index."""
        firsts = [select(func.min(table.c.next_attempt_at)).where(table.c.status == status)
                  .scalar_subquery() for status in ("pending", "held")]
        moments = self.session.execute(select(*firsts)).one()
        return min((m for m in moments if m is not None), default=None)

    def mergeable(self, primary: Notification, now: datetime) -> list[Notification]:
        """Other pending notifications of the same kind for the same channel, never attempted
        nor claimed, oldest first: not one another worker may be posting (claimed, or being
        claimed: on PostgreSQL a row a claim has locked is skipped), nor one whose claim ran
        out, which may head a burst of its own."""
        query = select(Notification).where(
            Notification.status == "pending", Notification.id != primary.id,
            Notification.channel_id == primary.channel_id,
            Notification.event_type == primary.event_type, Notification.attempts == 0,
            Notification.created_at <= now, Notification.claimed_until.is_(None),
        ).order_by(Notification.created_at, Notification.id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def merged_into(self, head: Notification) -> list[Notification]:
        """The notifications merged into `head`'s burst, oldest first."""
        return list(self.session.scalars(
            select(Notification).where(Notification.merged_into == head.id,
                                       Notification.status == "coalesced")
            .order_by(Notification.created_at, Notification.id)))

    def burst_head(self, channel_id: str, event_type: str,
                   due_by: datetime) -> Notification | None:
        """The pending, never attempted notification of one kind for one channel due first, if
        by `due_by`: read in the due index's order, never the whole backlog. Read once per
        transaction while it stays the head: the rows added since are kept track of (`add`)."""
        known = memo(self.session)
        key = ("burst", channel_id, event_type)
        head = known.get(key, _NOT_READ)
        if head is _NOT_READ or head is None or not (head.status == "pending"
                                                     and head.attempts == 0):
            head = known[key] = self.session.scalars(
                select(Notification).where(
                    Notification.status == "pending", Notification.next_attempt_at <= due_by,
                    Notification.channel_id == channel_id,
                    Notification.event_type == event_type, Notification.attempts == 0)
                .order_by(Notification.next_attempt_at, Notification.created_at).limit(1)
            ).first()
        return head if head is not None and head.next_attempt_at <= due_by else None

    def due_again(self, channel_id: str, now: datetime) -> int:
        """A channel answers again: its messages waiting out a backoff become due `now`, so they
        leave at the channel's pace, oldest first, instead of each waiting out its own backoff
        (up to the cap). Rows another worker has claimed may be mid-send: left."""
        result = self.session.execute(
            update(table).where(
                table.c.channel_id == channel_id, table.c.status == "pending",
                table.c.attempts > 0, table.c.next_attempt_at > now,
                or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now))
            .values(next_attempt_at=now)
        )
        return result.rowcount or 0

    def fail_queued(self, channel_id: str, reason: str, now: datetime) -> int:
        """The channel is gone: its messages waiting to leave (due, backing off, or held by a
        Retry-After) fail now for `reason`, not each when it comes due. Rows another worker has
        claimed may be mid-send: left to their answer (a claim fails them if it is no success)."""
        result = self.session.execute(
            update(table).where(
                table.c.channel_id == channel_id, table.c.status == "pending",
                or_(table.c.claimed_until.is_(None), table.c.claimed_until <= now))
            .values(status="failed", last_error=reason)
        )
        return result.rowcount or 0

    def release_held(self, now: datetime) -> int:
        """Show the feed items quiet hours or a snooze held until `now`. On PostgreSQL their
        rows are locked in id order first, as `held_for` and `awaiting_digest` lock them, so a
        preference save or a digest in the same moment waits for this, or this for it, and
        neither deadlocks on the other (an UPDATE alone locks in the order it scans)."""
        due = and_(table.c.status == "held", table.c.next_attempt_at <= now)
        if self.session.get_bind().dialect.name == "postgresql":
            held = table.alias("held")
            locked = (select(held.c.id).where(held.c.status == "held",
                                              held.c.next_attempt_at <= now)
                      .order_by(held.c.id).with_for_update())
            due = and_(due, table.c.id.in_(locked.scalar_subquery()))
        result = self.session.execute(
            update(table).where(due).values(status="sent", sent_at=table.c.next_attempt_at))
        return result.rowcount or 0

    def held_for(self, member_id: str, now: datetime) -> list[Notification]:
        """What the member's preferences hold back: feed items held (by quiet hours or a
        snooze) until later, or waiting for the digest, and mail held by quiet hours (never
        attempted, due later, unclaimed). A held item whose moment has come is no longer held:
        it is the deliverer's to show on its next pass, as the hold's end placed it. Locked
        until commit (PostgreSQL), as `awaiting_digest` locks them: a digest made in the same
        moment takes each update first or after, never with it."""
        feed = and_(Notification.recipient_id == member_id, or_(
            Notification.status == "digest",
            and_(Notification.status == "held", Notification.next_attempt_at > now)))
        mail = and_(Notification.target == f"email:{member_id}",
                    Notification.status == "pending", Notification.attempts == 0,
                    Notification.next_attempt_at > now, Notification.claimed_until.is_(None))
        return list(self.session.scalars(
            select(Notification).where(or_(feed, mail)).order_by(Notification.id)
            .with_for_update()))

    def waiting_for(self, member_id: str, now: datetime) -> list[Notification]:
        """Everything still to reach the member: feed items held or waiting for the digest,
        and mail not sent yet (held by quiet hours, due, or backing off), but for mail a
        worker has claimed and may be sending. Locked until commit (PostgreSQL), in id order as
        `held_for` locks them; as there, a held item whose moment has come is the deliverer's
        (`release_held` locks it), not this, or a batch of two members leaving could lock one's
        rows before and the other's after what `release_held` holds, and deadlock with it."""
        feed = and_(Notification.recipient_id == member_id, or_(
            Notification.status == "digest",
            and_(Notification.status == "held", Notification.next_attempt_at > now)))
        mail = and_(Notification.target == f"email:{member_id}",
                    Notification.status == "pending",
                    or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now))
        return list(self.session.scalars(
            select(Notification).where(or_(feed, mail)).order_by(Notification.id)
            .with_for_update()))

    def held_notices(self, member_id: str, event_type: str,
                     event_prefix: str) -> list[Notification]:
        """The member's feed items of `event_type` held (by a snooze or quiet hours) whose event
        id starts with `event_prefix` (a channel notice's names its channel), and those folded
        into them (`Notification.merge_into`), in one statement."""
        mine = and_(Notification.recipient_id == member_id, Notification.event_type == event_type,
                    Notification.event_id.startswith(event_prefix, autoescape=True))
        held = select(Notification.id).where(mine, Notification.status == "held")
        return list(self.session.scalars(select(Notification).where(
            mine, or_(Notification.status == "held",
                      Notification.merged_into.in_(held.scalar_subquery())))))

    def awaiting_digest(self, member_id: str, before: datetime) -> list[Notification]:
        """The member's updates waiting for the digest made at `before`, oldest first, locked
        until commit (PostgreSQL; in id order, as `held_for` locks them, so neither waits on
        the other's locks): a preference save in the same moment places them first or after."""
        waiting = self.session.scalars(
            select(Notification).where(Notification.recipient_id == member_id,
                                       Notification.status == "digest",
                                       Notification.created_at < before)
            .order_by(Notification.id).with_for_update())
        return sorted(waiting, key=lambda note: note.created_at)

    def members_awaiting_digest(self) -> list[str]:
        return list(self.session.scalars(
            select(Notification.recipient_id).where(Notification.status == "digest").distinct()
        ))

    def mark_read(self, member_id: str, ids: list[str] | None, now: datetime) -> int:
        query = update(table).where(table.c.recipient_id == member_id, table.c.status == "sent",
                                    table.c.read_at.is_(None))
        if ids is not None:
            query = query.where(table.c.id.in_(ids))
        return self.session.execute(query.values(read_at=now)).rowcount or 0

    def add_attempt(self, attempt: DeliveryAttempt) -> None:
        self.session.add(attempt)


class Replicas:
    """The read models kept from goals and checkins events, and the team's activity."""

    def __init__(self, session: Session):
        self.session = session

    def team(self, team_id: str, *, for_update: bool = False) -> TeamReplica | None:
        """The team; `for_update` locks its row until the transaction ends (on PostgreSQL:
        SQLite's writers take turns anyway), so changes of the team's members take turns."""
        return self.session.get(TeamReplica, team_id, with_for_update=for_update)

    def member(self, member_id: str | None) -> MemberReplica | None:
        return self.session.get(MemberReplica, member_id) if member_id else None

    def goal(self, goal_id: str | None) -> GoalReplica | None:
        return self.session.get(GoalReplica, goal_id) if goal_id else None

    def members_by_id(self, member_ids: set[str]) -> dict[str, MemberReplica]:
        """The known members of `member_ids` by id, in one statement (none without ids)."""
        if not member_ids:
            return {}
        return {m.member_id: m for m in self.session.scalars(
            select(MemberReplica).where(MemberReplica.member_id.in_(sorted(member_ids))))}

    def goals(self, goal_ids: set[str]) -> dict[str, GoalReplica]:
        """The known goals of `goal_ids` by id, in one statement (none without ids)."""
        if not goal_ids:
            return {}
        return {g.goal_id: g for g in self.session.scalars(
            select(GoalReplica).where(GoalReplica.goal_id.in_(sorted(goal_ids))))}

    def upsert(self, replica: object) -> None:
        """Queued with the batch's other upserts of its table (see `shared.upserts`)."""
        upsert(self.session, replica)

    def leads(self, team_id: str) -> list[MemberReplica]:
        """The team's leads who have not left, snoozed ones too: what each hears, and when,
        is `Notifier.to_members`'s to say."""
        return list(self.session.scalars(
            select(MemberReplica).where(MemberReplica.team_id == team_id,
                                        MemberReplica.role == "lead",
                                        MemberReplica.state != "left")
        ))

    def members_naming(self, team_id: str, slack_user_id: str, *,
                       but: str) -> list[MemberReplica]:
        """The members of `team_id` other than `but` whose profile has `slack_user_id`."""
        return list(self.session.scalars(select(MemberReplica).where(
            MemberReplica.team_id == team_id, MemberReplica.slack_user_id == slack_user_id,
            MemberReplica.member_id != but)))

    def members(self, team_id: str) -> list[MemberReplica]:
        return list(self.session.scalars(
            select(MemberReplica).where(MemberReplica.team_id == team_id)))

    def checkin_candidates(self, member: MemberReplica) -> list[GoalReplica]:
        """The member's own goals and their team's team goals, by title: the goals they may
        check in on are among them (`GoalReplica.takes_checkins_from` says which)."""
        return list(self.session.scalars(
            select(GoalReplica).where(or_(
                GoalReplica.owner_id == member.member_id,
                (GoalReplica.team_id == member.team_id) & (GoalReplica.kind == "team")))
            .order_by(GoalReplica.title)
        ))

    def team_goals(self, team_id: str) -> list[GoalReplica]:
        return list(self.session.scalars(
            select(GoalReplica).where(GoalReplica.team_id == team_id).order_by(GoalReplica.title)
        ))

    def partners_of(self, team_id: str, member_id: str) -> list[str]:
        return self.partners_in(team_id).get(member_id, [])

    def partners_in(self, team_id: str) -> dict[str, list[str]]:
        """Each partnered member of the team with their partners, in one statement."""
        partners: dict[str, dict[str, None]] = {}
        for row in self.session.scalars(select(Partnership).where(Partnership.team_id == team_id)):
            for member_id in row.members:
                partners.setdefault(member_id, {}).update(
                    dict.fromkeys(row.partners_of(member_id)))
        return {member_id: list(theirs) for member_id, theirs in partners.items()}

    def end_partnership(self, partnership_id: str, team_id: str) -> None:
        """End the team's partnership `partnership_id` (another team's is not this team's to
        end)."""
        partnership = self.session.get(Partnership, partnership_id)
        if partnership is not None and partnership.team_id == team_id:
            self.session.delete(partnership)

    def record(self, activity: Activity) -> None:
        self.session.add(activity)

    def activity(self, team_id: str, since: datetime, until: datetime) -> list[Activity]:
        return list(self.session.scalars(
            select(Activity).where(Activity.team_id == team_id, Activity.at >= since,
                                   Activity.at < until).order_by(Activity.at)
        ))

    def due(self, goal_id: str) -> CheckinDue | None:
        return self.session.get(CheckinDue, goal_id)

    def checked_in(self, goal_id: str) -> None:
        """The goal's open check-in is answered: it is due no more."""
        due = self.session.get(CheckinDue, goal_id)
        if due is not None:
            self.session.delete(due)

    def streak(self, goal_id: str) -> StreakReplica | None:
        return self.session.get(StreakReplica, goal_id)


class PreferenceRepository:
    """Members' notification preferences and teams' digest settings."""

    def __init__(self, session: Session):
        self.session = session

    def of(self, member_id: str, team_id: str) -> Preferences:
        """The member's stored preferences, or unsaved defaults."""
        found = remembered(self.session, ("preferences", member_id),
                           lambda: self.session.get(Preferences, member_id))
        return found if found is not None else Preferences.default(member_id, team_id)

    def save(self, prefs: Preferences) -> None:
        memo(self.session)[("preferences", prefs.member_id)] = self.session.merge(prefs)

    def digest(self, team_id: str, *, for_update: bool = False) -> DigestSettings | None:
        """The team's digest settings; `for_update`: read afresh and locked until commit
        (PostgreSQL; SQLite's writers take turns already), so two runs of the digest job take
        the team one after the other, the second seeing the first's digest made."""
        return self.session.get(DigestSettings, team_id, with_for_update=for_update,
                                populate_existing=for_update)

    def add_digest(self, settings: DigestSettings) -> None:
        self.session.add(settings)

    def digests(self) -> list[DigestSettings]:
        return list(self.session.scalars(
            select(DigestSettings).where(DigestSettings.enabled.is_(True))
        ))

    def channel_weeks(self, team_id: str) -> dict[str, ChannelWeek]:
        """What the team's digests told each of its channels (`ChannelWeek`), by channel id."""
        return {w.channel_id: w for w in self.session.scalars(
            select(ChannelWeek).where(ChannelWeek.team_id == team_id))}

    def channel_week(self, team_id: str, channel_id: str) -> ChannelWeek | None:
        return self.session.get(ChannelWeek, (team_id, channel_id))

    def add_channel_week(self, week: ChannelWeek) -> None:
        self.session.add(week)


class SlackRequests:
    """Check-ins asked for with the slash command, waiting for their answer."""

    def __init__(self, session: Session):
        self.session = session

    def add_new(self, request: SlackRequest) -> bool:
        """Add the request, written at once; False when it is known already (asked by a copy of
        the same Slack request, perhaps one that committed first: the primary key decides)."""
        if self.get(request.request_id) is not None:
            return False
        return written_first(self.session, lambda: self.session.add(request))

    def get(self, request_id: str | None) -> SlackRequest | None:
        return self.session.get(SlackRequest, request_id) if request_id else None

    def answered(self, request: SlackRequest, now: datetime) -> bool:
        """Mark `request` answered at `now` unless it is: True for the one transaction that
        does. A conditional UPDATE, so that one claiming it at the same moment (the awaited
        check-ins job and the consumer both announcing its check-in) waits for the first to
        commit and then finds it answered; the ORM's copy is set to match."""
        claimed = self.session.execute(
            update(slack_requests)
            .where(slack_requests.c.request_id == request.request_id,
                   slack_requests.c.answered_at.is_(None))
            .values(answered_at=now)).rowcount == 1
        if claimed:
            set_committed_value(request, "answered_at", now)
        return claimed


class SlackEvents:
    """The Events API deliveries taken, by Slack's `event_id`. Slack delivers an event again,
    with the same event_id, when its answer was slow or failed (`X-Slack-Retry-Num`). They are
    kept in their own table, `slack_events`, for a day (`purge`), not in the inbox of the
    broker's events, whose ids are kept for weeks."""

    def __init__(self, session: Session):
        self.session = session

    def take(self, event_id: str, kind: str, now: datetime) -> bool:
        """Record the delivery of `event_id`, written at once: True the first time; False for
        a delivery taken already (perhaps by a copy that committed first: the primary key
        decides). An event without an id is always taken."""
        if not event_id:
            return True
        row = {"event_id": event_id, "kind": kind, "received_at": now}
        return written_first(self.session,
                             lambda: self.session.execute(insert(slack_events).values(row)))

    def purge(self, older_than: datetime, limit: int) -> int:
        """Forget up to `limit` deliveries taken before `older_than`; how many were."""
        return delete_chunk(self.session, slack_events.c.event_id,
                            slack_events.c.received_at < older_than, limit)


class AwaitedCheckins:
    """Check-ins whose channel announcement waits for the goals service's progress figure."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, awaited: AwaitedCheckin) -> None:
        """Keep `awaited`; one waiting already in the same way (its check-in come again, a
        replay) keeps when it began to wait, so that a replay restarts neither its wait nor a
        parked one's days. One parked for its goal that now waits for its figure (replayed
        once the goal came) waits for it from now, as `goal_came` has it."""
        known = self.get(awaited.checkin_id)
        if known is not None and known.waits_for_goal == awaited.waits_for_goal:
            awaited.created_at = known.created_at
        memo(self.session)[("awaited", awaited.checkin_id)] = self.session.merge(awaited)

    def get(self, checkin_id: str | None) -> AwaitedCheckin | None:
        if not checkin_id:
            return None
        return remembered(self.session, ("awaited", checkin_id),
                          lambda: self.session.get(AwaitedCheckin, checkin_id))

    def read(self, checkin_ids: list[str]) -> list[AwaitedCheckin]:
        """The check-ins of `checkin_ids` that wait, in one statement; `get` then answers
        from memory, for those found and those not."""
        known = memo(self.session)
        wanted = [c for c in dict.fromkeys(checkin_ids) if ("awaited", c) not in known]
        if wanted:
            found = {a.checkin_id: a for a in self.session.scalars(
                select(AwaitedCheckin).where(AwaitedCheckin.checkin_id.in_(wanted)))}
            for checkin_id in wanted:
                known[("awaited", checkin_id)] = found.get(checkin_id)
        return [a for c in checkin_ids if (a := known[("awaited", c)]) is not None]

    def parked_for(self, goal_id: str) -> list[AwaitedCheckin]:
        """The check-ins parked for `goal_id`'s copy, taken under `hold_parked_of` (until the
        transaction ends): one parked as the copy is written elsewhere is among them."""
        self.hold_parked_of(goal_id)
        parked = list(self.session.scalars(select(AwaitedCheckin).where(
            AwaitedCheckin.goal_id == goal_id, AwaitedCheckin.waits_for_goal)
            .order_by(AwaitedCheckin.created_at)))
        memo(self.session).update({("awaited", a.checkin_id): a for a in parked})
        return parked

    def hold_parked_of(self, goal_id: str) -> None:
        """Hold until the transaction ends the lock of the check-ins parked for `goal_id`: a
        transaction parking one (it found no copy of the goal) and one taking them (it wrote
        the copy) go one after the other, and the later reads what the earlier committed. On
        PostgreSQL an advisory lock keyed by the goal; SQLite's writers take turns already."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(_lock_key(goal_id))))

    def figure_overdue(self, moment: datetime, limit: int = 100) -> list[AwaitedCheckin]:
        """Those waiting for their goals figure since `moment` or longer, oldest first (one
        range of `ix_awaited_checkins_due`: none parked for its goal is read)."""
        return self._since(False, moment, limit)

    def parked_since(self, moment: datetime, limit: int = 100) -> list[AwaitedCheckin]:
        """Those parked for their goal's copy since `moment` or longer, oldest first (one range
        of `ix_awaited_checkins_due`)."""
        return self._since(True, moment, limit)

    def _since(self, waits_for_goal: bool, moment: datetime,
               limit: int) -> list[AwaitedCheckin]:
        query = (select(AwaitedCheckin)
                 .where(AwaitedCheckin.waits_for_goal == waits_for_goal,
                        AwaitedCheckin.created_at <= moment)
                 .order_by(AwaitedCheckin.created_at).limit(limit))
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list(self.session.scalars(query))

    def remove(self, awaited: AwaitedCheckin) -> None:
        self.session.delete(awaited)
        memo(self.session)[("awaited", awaited.checkin_id)] = None


def _lock_key(goal_id: str) -> int:
    """The advisory lock key of the check-ins parked for `goal_id` (63 bits)."""
    return int(hashlib.sha1(f"goalkeeper-parked:{goal_id}".encode()).hexdigest()[:15], 16)


class SlackRepository:
    """The Slack app's own records: workspace links, install and link tickets, Slack users of
    members, DMs sent, and the queue of Web API tasks."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, record: object) -> None:
        self.session.add(record)
        if isinstance(record, SlackWorkspace):
            memo(self.session).pop(("workspace", record.team_id), None)

    def workspace(self, team_id: str) -> SlackWorkspace | None:
        return remembered(self.session, ("workspace", team_id),
                          lambda: self.session.get(SlackWorkspace, team_id))

    def workspaces_in(self, slack_team_id: str) -> list[SlackWorkspace]:
        return list(self.session.scalars(
            select(SlackWorkspace).where(SlackWorkspace.slack_team_id == slack_team_id)))

    def install_ticket(self, ticket: str) -> InstallTicket | None:
        return self.session.get(InstallTicket, ticket) if ticket else None

    def ticket_for_state(self, state: str) -> InstallTicket | None:
        return self.session.scalars(
            select(InstallTicket).where(InstallTicket.oauth_state == state)).first()

    def link_ticket(self, ticket: str, *, for_update: bool = False) -> LinkTicket | None:
        """The ticket; `for_update` locks its row until the transaction ends (on PostgreSQL:
        whoever redeems it at the same time waits, then reads it used)."""
        return self.session.get(LinkTicket, ticket, with_for_update=for_update) \
            if ticket else None

    def identity(self, member_id: str) -> SlackIdentity | None:
        return self.session.get(SlackIdentity, member_id)

    def forget_unlinked(self, member_id: str) -> None:
        """Drop the member's identity if a move unlinked it: the Slack user their profile
        names is theirs again."""
        identity = self.identity(member_id)
        if identity is not None and identity.is_unlinked:
            self.session.delete(identity)

    def members_for(self, slack_user_id: str,
                    slack_team_id: str | None = None) -> list[MemberReplica]:
        """The members a Slack user is, one per Goalkeeper team (a person in two teams is two
        members): in each team, the member linked here to that user, else the one whose
        profile names it (a member linked to another Slack user is not them). With
        `slack_team_id`, only teams installed in that workspace, or in none."""
        if not slack_user_id:
            return []
        linked = self.session.scalars(select(MemberReplica).join(
            SlackIdentity, SlackIdentity.member_id == MemberReplica.member_id).where(
            SlackIdentity.slack_user_id == slack_user_id, MemberReplica.state != "left"))
        named = self.session.scalars(select(MemberReplica).outerjoin(
            SlackIdentity, SlackIdentity.member_id == MemberReplica.member_id).where(
            MemberReplica.slack_user_id == slack_user_id, MemberReplica.state != "left",
            SlackIdentity.member_id.is_(None)).order_by(MemberReplica.member_id))
        by_team: dict[str, MemberReplica] = {}
        for member in [*linked, *named]:
            by_team.setdefault(member.team_id, member)
        return [m for m in by_team.values() if slack_team_id is None
                or (w := self.workspace(m.team_id)) is None or w.slack_team_id == slack_team_id]

    def slack_user_of(self, member_id: str) -> str | None:
        identity = self.identity(member_id)
        if identity is not None:
            return identity.slack_user_id or None  # UNLINKED: none
        member = self.session.get(MemberReplica, member_id)
        return member.slack_user_id if member is not None and member.state != "left" else None

    def dm(self, dm_id: str) -> SlackDm | None:
        return self.session.get(SlackDm, dm_id)

    def open_dms(self, goal_id: str) -> list[SlackDm]:
        return list(self.session.scalars(
            select(SlackDm).where(SlackDm.goal_id == goal_id, SlackDm.done_at.is_(None))))

    def task(self, task_id: str) -> SlackTask | None:
        """The task, locked for this worker (None when another worker holds it)."""
        query = select(SlackTask).where(SlackTask.id == task_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query).first()

    def due_tasks(self, now: datetime, limit: int) -> list[str]:
        return list(self.session.scalars(
            select(SlackTask.id).where(SlackTask.status == "pending",
                                       SlackTask.next_attempt_at <= now)
            .order_by(SlackTask.next_attempt_at, SlackTask.created_at).limit(limit)))

    def pending_subjects(self, kind: str, subjects: list[str]) -> set[str]:
        """Those of `subjects` with a task of `kind` not tried yet (a newer change rides along
        with it), in one statement.

        A task a worker is running right now does not count: it may have read its view before
        this change, so the change needs a task of its own. On PostgreSQL that worker holds the
        task's row lock (`task`), which SKIP LOCKED passes over; on SQLite writers take turns,
        so a running task is never seen pending."""
        query = select(SlackTask.subject).where(
            SlackTask.status == "pending", SlackTask.kind == kind,
            SlackTask.subject.in_(subjects), SlackTask.attempts == 0)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return set(self.session.scalars(query))

    def members_in_slack(self, team_id: str) -> list[MemberReplica]:
        """The team's members (not those who left) who are a Slack user: linked to one, or
        named by their profile and not unlinked since."""
        return list(self.session.scalars(select(MemberReplica).outerjoin(
            SlackIdentity, SlackIdentity.member_id == MemberReplica.member_id).where(
            MemberReplica.team_id == team_id, MemberReplica.state != "left",
            or_(SlackIdentity.slack_user_id != UNLINKED,
                and_(SlackIdentity.member_id.is_(None), MemberReplica.slack_user_id.is_not(None))))
            .order_by(MemberReplica.member_id)))

    def rate_limited_until(self, slack_team_id: str, methods: Collection[str],
                           now: datetime) -> datetime | None:
        """The end of the latest wait Slack asked of the workspace for any of `methods`
        (a 429's Retry-After), while one runs; None when none does."""
        limits = slack_rate_limits.c
        return self.session.scalar(
            select(func.max(limits.until)).where(limits.slack_team_id == slack_team_id,
                                                 limits.method.in_(methods),
                                                 limits.until > now))

    def rate_limit(self, slack_team_id: str, method: str, until: datetime) -> None:
        """Slack asked the workspace to call `method` no sooner than `until` (kept when a
        later end is kept already), in one statement."""
        limits = slack_rate_limits.c
        stmt = INSERTS[self.session.get_bind().dialect.name](slack_rate_limits).values(
            slack_team_id=slack_team_id, method=method, until=until)
        self.session.execute(stmt.on_conflict_do_update(
            index_elements=[limits.slack_team_id, limits.method],
            set_={"until": stmt.excluded.until}, where=limits.until < stmt.excluded.until))

    def drop_pending_tasks(self, slack_team_id: str, now: datetime) -> None:
        for task in self.session.scalars(select(SlackTask).where(
                SlackTask.slack_team_id == slack_team_id, SlackTask.status == "pending")):
            task.dropped("workspace disabled", now)


class Suppressions:
    """Addresses mail no longer goes to: refused or bounced by their server, or unsubscribed."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, address: str) -> Suppression | None:
        return self.session.get(Suppression, normalise(address))

    def blocks(self, address: str, *, transactional: bool, now: datetime) -> Suppression | None:
        """The suppression that keeps mail from `address` at `now` (see `Suppression.blocks`)."""
        found = self.get(address)
        return found if found is not None and found.blocks(transactional, now) else None

    def accepted(self, address: str) -> None:
        """Mail to `address` was accepted: a refusal recorded for it ends, so digests and
        escalations go to it again (an unsubscription stays)."""
        found = self.get(address)
        if found is not None and found.reason == REFUSED:
            self.session.delete(found)

    def add(self, suppression: Suppression) -> None:
        """Record it; a refusal is never weakened into an unsubscription."""
        found = self.get(suppression.address)
        if found is None:
            self.session.add(suppression)
        elif suppression.reason == REFUSED or found.reason != REFUSED:
            found.reason, found.detail, found.at = (suppression.reason, suppression.detail,
                                                    suppression.at)
            found.member_id = suppression.member_id or found.member_id


def _sooner(a: Notification, b: Notification) -> bool:
    return (a.next_attempt_at, a.created_at) < (b.next_attempt_at, b.created_at)
