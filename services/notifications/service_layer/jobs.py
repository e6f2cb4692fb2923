"""Jobs the worker runs: delivering notifications, and the team and personal digests.

Delivering: claim what is due, post it, record the attempt and its outcome.

A notification is claimed by pushing its `next_attempt_at` out by a lease (under a row lock on
PostgreSQL, the write lock on SQLite), so two workers never send the same one, and a worker
that dies mid-send leaves it due again after the lease. A send starts only while its claim
outlasts it (`policy.may_send`): a batch slower than its lease leaves the rest to the next
claim. A channel message made by the worker that runs this loop is claimed in the transaction
that makes it and handed over at its commit (`Deliverer.take`): one transaction fewer before
it leaves. An idle loop sleeps until the earliest row becomes due by the clock, or until a commit
in any process queues something to send (`Deliverer.wake_at_commit`). Sends are paced per
channel (`policy.pace`); a due Slack or Teams check-in takes every other pending check-in of
its channel along in one message (coalescing); 429 and 503 hold the channel for their
`Retry-After`; other failures back off exponentially with jitter; permanent Slack and Teams
errors disable the channel and tell the leads.
In-app notifications held by quiet hours are released here when their time comes.
Mail leaves through the one SMTP sender (`Mailer`): 4xx is retried with the same backoff, a 5xx
refusal or bounce fails it and records the address, which gets no more mail (sign-in links
again after `domain.email.REFUSAL_PAUSE`) until a mail to it is accepted.

Awaited check-ins: a check-in's announcement that waited `progress_wait` for the goals
service's figure goes out with the goal's latest figure (see `domain.announcement`).

Slack event ids: the Events API deliveries taken are forgotten `SLACK_EVENTS_KEPT` after
(`purge_slack_events`), long after Slack's last retry of them. A webhook's replaced signing
secret is erased from its channel once its grace is over (`erase_expired_secrets`).

Digests read the container's clock. A digest is keyed by its slot (the scheduled local
moment, in UTC), so a job run twice, or by two workers, sends it once; an update that lands
after its slot's personal digest was made waits for the next one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import select
import socket
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.notifications.adapters.smtp_client import Mailer
from services.notifications.adapters.webhook_client import WebhookClient
from services.notifications.domain.announcement import PARKED_FOR
from services.notifications.domain.channel import CHANNEL_DELETED, Channel
from services.notifications.domain.digest import (
    DIGEST_EVENT,
    PERSONAL_DIGEST_EVENT,
    ChannelWeek,
    DigestSettings,
    WeekFacts,
    period_words,
    personal_digest,
    slot_day,
    team_digest,
)
from services.notifications.domain.email import REFUSED, Mail, Suppression, refused
from services.notifications.domain.fanout import (
    MEMBER_GONE,
    DeliveryPolicy,
    Notifier,
    Occurrence,
    channel_body,
    chat_body,
    member_target,
    withheld_from_channels,
)
from services.notifications.domain.notification import DeliveryAttempt, Notification, SendResult
from services.notifications.domain.preferences import Preferences
from services.notifications.domain.refusals import CHANNEL_REFUSED, tells_leads
from services.notifications.domain.render import (
    CHANNELS_PAGE,
    DELIVERIES_PAGE,
    Rendered,
    render,
)
from services.notifications.domain.replicas import GoalReplica, MemberReplica, TeamReplica
from services.notifications.domain.schedule import latest_slot
from services.notifications.domain.signing import signed_headers
from services.notifications.domain.slack_workspace import SLACK_EVENTS_KEPT
from services.notifications.domain.slash import Answer, url_spent
from services.notifications.service_layer.on_events import (
    announce_checkin,
    dm_answer,
    goal_came,
)
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.retention import purge_in_chunks
from shared.waker import Waker
from shared.worker import Stop

log = logging.getLogger(__name__)

DIGEST_SUPERSEDED = "a newer digest of the team was made since"
DIGEST_OFF = "the team turned its digest off since"
DIGEST_EMPTY = "nothing to tell: no goal the team's channels may hear of, nor activity"
DIGEST_UNKNOWN = "the team's digest settings are gone"
DIGEST_UNTOLD = "the period this channel's copy tells is not known"

DigestAgain = tuple[Occurrence, Rendered] | str
"""A team digest made again as it leaves (`Deliverer._digest_of`), or why it is not sent."""
MadeAgain = dict[tuple, DigestAgain]
"""The team digests made again in one pass of the deliverer, by event id and the period their
channel is told (`ChannelWeek`): once for the channels told the same."""

# An idle deliverer sleeps until the earliest moment a row becomes due by the clock
# (`Notifications.next_due`: a channel's pace, the end of a coalescing window, a retry's backoff,
# a lease, the end of quiet hours), and is woken at once by a commit that queues something to
# send: in its own process at the commit (`Deliverer.wake_at_commit`), from another process
# through the delivery waker (a datagram beside the database; on PostgreSQL a NOTIFY in the
# writer's transaction, from any host).
# - `IDLE_CAP_S` bounds the sleep: what a lost wake-up costs (a web process on another host with
#   SQLite, a notice sent while the listening connection was made again);
# - `RECHECK_S`: a row due already that the pass could not claim (another worker's claim has it
#   locked) is looked at again that soon;
# - a sleeping loop also watches `stop` (`shared.worker.Stop`), as the relay does.
IDLE_CAP_S = 5.0
RECHECK_S = 0.1


@dataclass(frozen=True)
class Send:
    """What one claimed notification sends, and where: its channel's URL (and signing secrets,
    for a webhook: a rotated one still in its grace period beside the new), else its own URL;
    and when its claim runs out."""

    notification_id: str
    body: str
    is_email: bool
    channel_type: str | None
    url: str | None
    secrets: tuple[str, ...] = ()  # the newest first
    claimed_until: datetime | None = None

    @classmethod
    def of(cls, n: Notification, channel: Channel | None, now: datetime) -> Send:
        if channel is None:
            return cls(n.id, n.body, n.is_email, None, n.url, claimed_until=n.claimed_until)
        return cls(n.id, n.body, n.is_email, channel.type, channel.url,
                   channel.signing_secrets(now), n.claimed_until)


class Deliverer:
    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], client: WebhookClient,
                 clock: Clock, notifier: Notifier, policy: DeliveryPolicy, *,
                 public_url: str = "", rng: random.Random | None = None, batch: int = 50,
                 mailer: Mailer | None = None, waker: Waker | None = None,
                 idle_cap: float = IDLE_CAP_S):
        """`waker`: how other processes wake this loop (and this process wakes theirs, when its
        loop does not run here); `idle_cap`: the longest an idle loop sleeps."""
        self.uow_factory = uow_factory
        self.client = client
        self.mailer = mailer
        self.clock = clock
        self.notifier = notifier
        self.policy = policy
        self.public_url = public_url
        self.rng = rng or random.Random()
        self.batch = batch
        self.waker = waker
        self.idle_cap = idle_cap
        self.accepting = False  # the loop runs in this process: `take` may hand it sends
        self._handed: deque[Send] = deque()
        self._bell: tuple[socket.socket, socket.socket] | None = None  # in-process wake-ups

    def wake_at_commit(self, uow: NotificationsUnitOfWork) -> None:
        """Have the commit of `uow`, which queues something to send, wake the loop at once
        (once per transaction however often asked): in this process if it runs here, else
        through the waker (`UnitOfWork.wake_at_commit`: a datagram after the commit to a
        worker's loop on this host, and on PostgreSQL a notice sent in the transaction itself,
        delivered at its commit, to one on any host)."""
        if self.accepting:
            uow.after_commit_once(self.wake)
        elif self.waker is not None:
            uow.wake_at_commit(self.waker)

    def wake(self) -> None:
        """Wake the loop now: in this process if it runs here (a commit, a stop), else a
        worker's loop on this host (the loop stopped after its commit was asked to wake it)."""
        if self.accepting:
            self._ring()
        elif self.waker is not None:
            self.waker.nudge()

    def run(self, stop: Stop) -> None:
        # Accepting first, before the wake-ups are set up: a message made meanwhile is handed
        # to this loop (its first pass attempts it) rather than left for a claim that would
        # race the consumer's next hand-over for the channel's pace.
        self.accepting = True
        self._bell = socket.socketpair()
        for end in self._bell:
            end.setblocking(False)
        if self.waker is not None:
            self.waker.listen()
            self.waker.watch(self._bell[0])
        try:
            while not stop.is_set():
                if self.deliver_due() == 0:
                    self._sleep(stop, self._idle_wait())
        finally:
            self.accepting = False
            self._attempt_handed()  # what was handed over before the stop leaves now
            self._close()

    def deliver_due(self) -> int:
        """Attempt what was handed over, release held feed items, then attempt every due
        notification once."""
        attempts = self._attempt_handed()
        for send in self._claim_due():
            attempts += self._attempt(send)
        return attempts

    def take(self, uow: NotificationsUnitOfWork, n: Notification, channel: Channel) -> None:
        """Claim a new channel message in the transaction that makes it, as it commits, and
        have it handed to this loop at that commit, so that it leaves without a claiming
        transaction of its own.

        Only while the loop runs in this process (a web process's messages wait for a worker's
        claim), and only a message the claim would send at that commit: still pending, its
        channel active, the message due (a coalesced one waits out its quiet window), the
        channel's pace met, and the channel held by this transaction (not paced by a claim or
        another hand-over meanwhile, which would pass the same pace: then the loop's claim
        takes it). Decided as the transaction commits, not as the message is made, so the pace
        counts from about when it leaves however long the rest of the transaction takes, and
        the channel is held only while it commits. It is leased as a claim leases it; if this
        process dies before sending, the lease runs out and any worker claims it."""
        if self.accepting:
            uow.before_commit(lambda: self._take_now(uow, n, channel))

    def _take_now(self, uow: NotificationsUnitOfWork, n: Notification, channel: Channel) -> None:
        now = self.clock.now()
        if n.status != "pending" or n.next_attempt_at > now or not channel.is_active:
            return
        if not uow.channels.hold(channel):
            return  # held elsewhere: left for a claim
        if not channel.is_active or self._ready_at(channel, now) > now:
            return
        channel.last_sent_at = now
        n.claim(now, self.policy.lease)
        send = Send.of(n, channel, now)
        uow.after_commit(lambda: self._hand(send))

    def _idle_wait(self) -> float:
        """Seconds until the earliest row becomes due by the clock, at most `idle_cap`."""
        with self.uow_factory() as uow:
            due = uow.notifications.next_due()
        if due is None:
            return self.idle_cap
        until = (due - self.clock.now()).total_seconds()
        return min(self.idle_cap, until if until > 0 else RECHECK_S)

    def _sleep(self, stop: Stop, seconds: float) -> None:
        """Until rung in this process, woken through the waker, `seconds` pass or `stop` is
        set."""
        bell = self._bell[0]
        if self.waker is not None:
            self.waker.wait(seconds, stop)  # it watches the bell
        else:
            select.select([bell, stop], [], [], seconds)
        with contextlib.suppress(OSError):
            while bell.recv(64):
                pass

    def _ring(self) -> None:
        bell = self._bell
        if bell is not None:
            with contextlib.suppress(OSError):  # full (rung already) or closed (stopped)
                bell[1].send(b"1")

    def _close(self) -> None:
        bell, self._bell = self._bell, None
        if self.waker is not None:
            self.waker.unwatch(bell[0])
            self.waker.close()
        for end in bell:
            end.close()

    def _hand(self, send: Send) -> None:
        """At the commit of the transaction that took `send`. A transaction that took it while
        the loop ran may commit after the loop's last attempt at a stop: it is then attempted
        here, now, not when its lease runs out. Appended before `accepting` is read, so the
        loop's last attempt or this one finds it, whichever comes second."""
        self._handed.append(send)
        self._ring()
        if not self.accepting:
            self._attempt_handed()

    def _attempt_handed(self) -> int:
        """Attempt what was handed over. The loop and a thread committing after the loop
        stopped may both run this: each send is popped by one of them."""
        attempts = 0
        while True:
            try:
                send = self._handed.popleft()
            except IndexError:
                return attempts
            attempts += self._attempt(send)

    def _ready_at(self, channel: Channel, now: datetime) -> datetime:
        """When the channel's pace, and the Retry-After it last answered, let its next message
        leave."""
        paced = channel.last_sent_at + self.policy.pace if channel.last_sent_at else now
        return max(paced, channel.resume_at) if channel.resume_at else paced

    # -- claiming -------------------------------------------------------------------------
    def _claim_due(self) -> list[Send]:
        """Lease what is due; what each claimed notification sends is taken in the same
        transaction, so a send reads nothing more before it posts."""
        now = self.clock.now()
        claimed: list[Send] = []
        with self.uow_factory() as uow:
            uow.notifications.release_held(now)
            paced: set[str] = set()
            digests: MadeAgain = {}
            due = uow.notifications.due(now, self.batch)
            goals = uow.replicas.goals({n.goal_id for n in due if n.goal_id})
            members = uow.replicas.members_by_id(
                {n.target.removeprefix("email:") for n in due if n.is_email})
            for n in due:
                if n.status == "pending" and self._claim(uow, n, now, paced, goals, members,
                                                         digests):
                    channel = uow.channels.get(n.team_id, n.channel_id) if n.channel_id else None
                    claimed.append(Send.of(n, channel, now))
            uow.commit()
        return claimed

    def _claim(self, uow: NotificationsUnitOfWork, n: Notification, now: datetime,
               paced: set[str], goals: dict[str, GoalReplica],
               members: dict[str, MemberReplica], digests: MadeAgain) -> bool:
        """Lease `n` unless it must not leave (its channel gone or disabled, its mail
        unsendable, its goal one the channels must not hear of now, a team digest with nothing
        more to tell: failed) or its channel's pace holds it; `goals` and `members` (of its
        mails): the batch's, by id; `digests`: the team digests made again in this pass."""
        channel = uow.channels.get(n.team_id, n.channel_id) if n.channel_id else None
        if channel is not None and not uow.channels.hold(channel):
            return False  # another transaction paces it now: due again at the next pass
        if n.channel_id and (channel is None or not channel.is_active):
            n.fail(channel.unsent_reason if channel is not None else CHANNEL_DELETED)
            return False
        if n.is_email and self._unsendable(uow, n, members):
            return False
        if self._withheld(n, goals):
            self._next_heads_burst(uow, n, channel, now, goals)
            for merged in self._burst_of(uow, n, channel, goals)[0]:
                merged.unmerge(now)
            return False
        if channel is not None:
            ready_at = self._ready_at(channel, now)
            if channel.id in paced:
                ready_at = now + self.policy.pace
            if ready_at > now:
                n.next_attempt_at = ready_at
                return False
            if n.event_type == DIGEST_EVENT and not self._digest_again(uow, n, channel, now,
                                                                      digests):
                return False
            paced.add(channel.id)
            channel.last_sent_at = now
            self._coalesce(uow, n, channel, now, goals)
        n.claim(now, self.policy.lease)
        return True

    def _coalesce(self, uow: NotificationsUnitOfWork, n: Notification, channel: Channel,
                  now: datetime, goals: dict[str, GoalReplica]) -> None:
        """Make `n` the burst of the check-ins waiting for its channel. One claimed before keeps
        what was merged into it then, but what is about a goal withheld now (`_burst_of`); one
        never sent also takes in those waiting since. Its text is made again when either
        changed it."""
        if not self.policy.coalesces(channel, n.event_type):
            return
        earlier, dropped = self._burst_of(uow, n, channel, goals)
        others = uow.notifications.mergeable(n, now) if n.attempts == 0 else []
        others = self._sendable(uow, others, goals)
        for other in others:
            other.merge_into(n)
        if others or dropped:
            self._burst_body(n, channel, earlier + others)

    def _digest_again(self, uow: NotificationsUnitOfWork, n: Notification, channel: Channel,
                      now: datetime, digests: MadeAgain) -> bool:
        """Make the team digest `n` again from what is known now, so that a goal made private
        while it waited (a 429, a backoff) is not in it; False (failed, with why) when it is
        to tell nothing more. One claimed as it was made (`_just_made`) leaves as made;
        `digests`: those made again in this pass (once for the channels told one period)."""
        if self._just_made(n, now):
            return True
        week = uow.preferences.channel_week(n.team_id, n.channel_id or "")
        key = (n.event_id, week.since, week.period) if week is not None else (n.event_id,)
        if key not in digests:
            digests[key] = self._digest_of(uow, n, week)
        again = digests[key]
        if isinstance(again, str):
            n.fail(again)
            return False
        what, rendered = again
        n.body, n.summary = channel_body(channel, what, rendered), rendered.summary
        return True

    def _just_made(self, n: Notification, now: datetime) -> bool:
        """Never claimed, and claimed within a channel's pace of being made: nothing it tells
        can have changed since."""
        return not n.attempts and n.claimed_until is None and now - n.created_at <= self.policy.pace

    def _digest_of(self, uow: NotificationsUnitOfWork, n: Notification,
                   week: ChannelWeek | None) -> DigestAgain:
        """The team digest `n` again, the period it tells its channel (`week`, stored as it
        was made, titled as then) made from what is known now; or why it is not to be
        sent."""
        settings = uow.preferences.digest(n.team_id)
        if settings is None or settings.last_slot is None:
            return DIGEST_UNKNOWN
        if not settings.enabled:
            return DIGEST_OFF
        slot = settings.last_slot
        if not is_digest_of(n, slot):
            return DIGEST_SUPERSEDED
        if week is None or week.since is None:
            return DIGEST_UNTOLD
        team = uow.replicas.team(n.team_id)
        facts, rendered = week_digest(uow, n.team_id, team, week.since, slot, week.period)
        if facts.tell_nothing:
            return DIGEST_EMPTY
        return digest_occurrence(n.team_id, slot, n.created_at.isoformat(),
                                 self.public_url or None), rendered

    def _burst_body(self, n: Notification, channel: Channel, merged: list[Notification]) -> None:
        """`n`'s body as the burst of it and `merged`: a line each. `n.summary` stays its own
        line, so that a burst claimed again after one of its goals was made private can be
        told again without it (`_coalesce`)."""
        lines = [n.summary] + [o.summary for o in merged]
        title = f"{len(lines)} new check-ins" if merged else "New check-in"
        n.body = chat_body(channel.type, Rendered(title, lines, title), self.public_url or None)

    def _burst_of(self, uow: NotificationsUnitOfWork, n: Notification, channel: Channel | None,
                  goals: dict[str, GoalReplica]) -> tuple[list[Notification], bool]:
        """What was merged into `n` when it was claimed before (a retry, or a claim whose lease
        ran out before it was sent) and may still go, and whether any of it may not: those
        about a goal withheld now are failed (`_withheld`)."""
        claimed_before = n.attempts or n.claimed_until is not None
        if channel is None or not claimed_before or not self.policy.coalesces(channel,
                                                                              n.event_type):
            return [], False
        merged = uow.notifications.merged_into(n)
        kept = self._sendable(uow, merged, goals) if merged else []
        return kept, len(kept) < len(merged)

    def _next_heads_burst(self, uow: NotificationsUnitOfWork, n: Notification,
                          channel: Channel | None, now: datetime,
                          goals: dict[str, GoalReplica]) -> None:
        """`n` headed a burst and is withheld: the burst's next message it would have taken
        along is due now, as `n` was, instead of at its own cap."""
        if channel is None or not self.policy.coalesces(channel, n.event_type) or n.attempts:
            return
        others = self._sendable(uow, uow.notifications.mergeable(n, now), goals)
        if others:
            others[0].next_attempt_at = min(others[0].next_attempt_at, now)

    # -- sending and recording ------------------------------------------------------------
    def _attempt(self, send: Send) -> int:
        """Send and record it, unless its claim may run out before the send ends: then it is
        left, due again when its lease does, for whichever worker claims it."""
        if not self.policy.may_send(send.claimed_until, self.clock.now()):
            return 0
        body = send.body.encode()
        if send.is_email:
            result = self.mailer.send(Mail.loads(send.body))
        elif send.channel_type is None:
            result = self.client.post(send.url, body)
        elif send.channel_type == "webhook":
            newest, *older = send.secrets
            headers = signed_headers(newest, int(self.clock.now().timestamp()), body, *older)
            result = self.client.post(send.url, body, headers)
        else:
            result = self.client.post(send.url, body)
        return self._record(send.notification_id, result, send.url)

    def _record(self, notification_id: str, result: SendResult, sent_to: str | None) -> int:
        """Record the answer to one send. The channel's row is read locked, as a lead's change
        locks it (and before the notification's row is written, as a change takes the channel
        first too): a PATCH committed meanwhile is read, never overwritten by what the channel
        was when this began, and one made now waits for this record. A channel deleted since
        the claim leaves its message sent, or failed (`CHANNEL_DELETED`) whatever the answer:
        nothing more goes to it."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            n = uow.notifications.get(notification_id)
            channel = (uow.channels.get(n.team_id, n.channel_id, for_update=True)
                       if n.channel_id else None)
            if channel is not None and channel.url != sent_to and not result.ok:
                result = answered_before_the_move(result)  # the old URL's: not the channel's
            if n.channel_id and channel is None:
                outcome = n.record_last_attempt(result, now, CHANNEL_DELETED)
            else:
                outcome = self._answered(uow, n, channel, result, now)
            uow.notifications.add_attempt(DeliveryAttempt(n.id, n.channel_id, now, result, outcome))
            uow.commit()
        return 1

    def _answered(self, uow: NotificationsUnitOfWork, n: Notification, channel: Channel | None,
                  result: SendResult, now: datetime) -> str:
        """Apply `result` to `n` and its channel (or its mail's address), by the rules of the
        channel's type; the outcome (sent, retry or failed)."""
        was_active = channel is not None and channel.is_active
        if channel is not None:  # pace from the answer too: a slow send delays the next
            channel.last_sent_at = now
        outcome = n.record_attempt(result, now, channel, self.policy.retry, self.rng)
        if outcome == "sent" and channel is not None and n.attempts > 1:
            # the channel recovered: what queued up behind the outage goes out now
            uow.notifications.due_again(channel.id, now)
        if was_active and not channel.is_active:
            self._channel_disabled(uow, channel, n, now)
        elif outcome == "failed" and tells_leads(result, channel):
            self._channel_refused(uow, channel, n, result, now)
        if n.is_email:
            self._mail_answered(uow, n, outcome, result, now)
        elif n.url and outcome == "failed" and url_spent(result.body):
            self._dm_instead(uow, n, now)
        return outcome

    @staticmethod
    def _dm_instead(uow: NotificationsUnitOfWork, n: Notification, now: datetime) -> None:
        """A slash command's answer refused by its response_url, spent (`url_spent`): DMed to
        the command's member instead (`dm_answer`), worded when the DM is sent from the answer
        the request keeps, not from `n`'s words made when it was queued."""
        request = uow.slack_requests.get(n.target.removeprefix("url:"))
        if request is None:
            return
        if request.answer is None:  # answered at its URL by the code before: its words
            request.answer = Answer.said(json.loads(n.body)["text"]).dumps()
        dm_answer(request, uow, now)

    @staticmethod
    def _mail_answered(uow: NotificationsUnitOfWork, n: Notification, outcome: str,
                       result: SendResult, now: datetime) -> None:
        """A refusal suppresses the mail's address; an accepted mail ends a refusal of it (the
        mailbox was fixed), so digests and escalations go to it again."""
        mail = Mail.loads(n.body)
        if outcome == "sent":
            uow.suppressions.accepted(mail.to)
        elif outcome == "failed" and refused(result):
            uow.suppressions.add(Suppression(mail.to, REFUSED, now, member_id=mail.member_id,
                                             detail=n.last_error or ""))

    def _unsendable(self, uow: NotificationsUnitOfWork, n: Notification,
                    members: dict[str, MemberReplica]) -> bool:
        """A mail that must not leave: SMTP unset, its address suppressed meanwhile, or its
        member gone from the team (`MEMBER_GONE`; `members`: the batch's mails' members)."""
        mail = Mail.loads(n.body)
        member = members.get(mail.member_id)
        if member is not None and member.gone_from(n.team_id):
            n.fail(MEMBER_GONE)
            return True
        suppressed = uow.suppressions.blocks(mail.to, transactional=mail.transactional,
                                             now=self.clock.now())
        if self.mailer is None or suppressed is not None:
            n.fail(f"address {suppressed.reason}" if suppressed else "SMTP is not set")
            return True
        return False

    def _sendable(self, uow: NotificationsUnitOfWork, notes: list[Notification],
                  goals: dict[str, GoalReplica]) -> list[Notification]:
        """Those of `notes` not withheld (`_withheld`), their goals read in one statement
        beside the batch's `goals`."""
        more = uow.replicas.goals({n.goal_id for n in notes} - set(goals) - {None})
        return [n for n in notes if not self._withheld(n, {**goals, **more})]

    @staticmethod
    def _withheld(n: Notification, goals: dict[str, GoalReplica]) -> bool:
        """A channel message about a goal the team's channels must not hear of now (made
        private, or gone, since it was queued; `goals`: those known, by id): failed, the log
        saying why."""
        if n.goal_id is None:
            return False
        reason = withheld_from_channels(goals.get(n.goal_id), n.team_id)
        if reason is not None:
            n.fail(reason)
        return reason is not None

    def _channel_disabled(self, uow: NotificationsUnitOfWork, channel: Channel,
                          n: Notification, now: datetime) -> None:
        """Announce that the channel was disabled, and tell the leads in-app, linking to the
        Channels page where they enable it again: at once, or, to a snoozed lead, when they
        are back (`fanout.HELD_THROUGH_SNOOZE`)."""
        data = {"channel_id": channel.id, "team_id": n.team_id,
                "reason": channel.disabled_reason or "", "at": now.isoformat()}
        uow.emit("channel.disabled", n.team_id, data, subject=channel.id)
        rendered: Rendered = render("channel.disabled", data, {"channel_name": channel.name,
                                                            "channel_type": channel.type})
        what = Occurrence(f"channel.disabled:{channel.id}:{n.id}", "channel.disabled",
                          n.team_id, now.isoformat(), data, self._page(CHANNELS_PAGE))
        leads = [m.member_id for m in uow.replicas.leads(n.team_id)]
        self.notifier.to_members(uow, what, rendered, leads)

    def _channel_refused(self, uow: NotificationsUnitOfWork, channel: Channel,
                         n: Notification, result: SendResult, now: datetime) -> None:
        """Tell the leads in-app that the channel refused `n`: once per channel per clock hour
        (the notice's event id names the hour), so a receiver refusing everything does not
        flood them; the delivery log lists every refused message. A snoozed lead is told when
        back, as `_channel_disabled` tells them, one notice per channel however long the
        outage (`fanout.FOLDED_THROUGH_SNOOZE`)."""
        hour = now.replace(minute=0, second=0, microsecond=0)
        data = {"channel_id": channel.id, "team_id": n.team_id, "refused_type": n.event_type,
                "status": result.status, "answer": result.body, "at": now.isoformat()}
        rendered = render(CHANNEL_REFUSED, data, {"channel_name": channel.name})
        what = Occurrence(f"{CHANNEL_REFUSED}:{channel.id}:{hour.isoformat()}", CHANNEL_REFUSED,
                          n.team_id, now.isoformat(), data, self._page(DELIVERIES_PAGE))
        leads = [m.member_id for m in uow.replicas.leads(n.team_id)]
        self.notifier.to_members(uow, what, rendered, leads)

    def _page(self, path: str) -> str | None:
        """The web app's page at `path` (a lead's notice links to it); None without a public
        URL."""
        return f"{self.public_url.rstrip('/')}{path}" if self.public_url else None


class Digests:
    """The weekly team digest to Slack, and members' personal feed digests."""

    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], clock: Clock,
                 notifier: Notifier, public_url: str = "", *, personal_hour: int = 8,
                 grace_hours: float = 6):
        self.uow_factory = uow_factory
        self.clock = clock
        self.notifier = notifier
        self.public_url = public_url or None
        self.personal_hour = personal_hour
        self.grace_hours = grace_hours

    def send_team_digests(self) -> int:
        with self.uow_factory() as uow:
            teams = [s.team_id for s in uow.preferences.digests()]
        return sum(self._team_digest(team_id) for team_id in teams)

    def _team_digest(self, team_id: str) -> int:
        """Make the team's digest of its latest slot when due: to each channel taking
        digests, the period from where it was last told (`ChannelWeek.since_for`), so a
        channel that missed the last digest hears of its week from this one, and one that got
        it hears of what came since; a copy of the last digest sent counts for its channel
        whether or not it takes this one. The team's settings are read locked: two runs at
        once take it in turn, the second finding the digest made. How many copies were
        queued."""
        now = self.clock.now()
        with self.uow_factory() as uow:
            settings: DigestSettings = uow.preferences.digest(team_id, for_update=True)
            team = uow.replicas.team(team_id)
            timezone = team_timezone(team)
            slot = latest_slot(now, timezone, settings.hour, settings.weekday)
            if not settings.is_due(slot, now, timezone, self.grace_hours):
                return 0
            told = self._told_last(uow, settings, now)
            if told is None:
                return 0  # the last digest is being sent: made at a run after its answer
            week = settings.week_of(slot, timezone)
            weeks = uow.preferences.channel_weeks(team_id)
            what = digest_occurrence(team_id, slot, now.isoformat(), self.public_url)
            uow.notifications.read_targets([what.event_id])  # its copies made: one read
            made: dict[datetime, tuple[WeekFacts, Rendered, str | None]] = {}
            sent = 0
            for channel in uow.channels.for_team(team_id):
                kept = weeks.get(channel.id)
                sent_last = settings.last_slot if channel.id in told else None
                if not channel.takes(DIGEST_EVENT):
                    if kept is not None:
                        kept.not_taken(sent_last)
                    continue
                fresh = kept is None
                kept = kept or ChannelWeek(team_id, channel.id)
                since = kept.since_for(slot, week, sent_last)
                if since not in made:
                    period = period_words(since, slot, timezone)
                    made[since] = (*week_digest(uow, team_id, team, since, slot, period), period)
                sent += self._copy(uow, channel, kept, what, (since, slot), made[since],
                                   sent_last)
                if fresh:
                    uow.preferences.add_channel_week(kept)  # written once, as made
            settings.made(slot)
            uow.commit()
        return sent

    def _copy(self, uow: NotificationsUnitOfWork, channel: Channel, kept: ChannelWeek,
              what: Occurrence, period_of: tuple[datetime, datetime],
              digest: tuple[WeekFacts, Rendered, str | None], sent_last: datetime | None) -> int:
        """The digest `what` telling from `since` to `slot` (`period_of`) to `channel`: told
        through `slot` when that period has nothing to tell; else a copy when the channel is
        active (1), none while it is disabled, its period kept for the digest it gets next.
        The channel's week is changed after the copy is made, in one go (`sent_last`: its
        copy of the last digest was sent, counted now), so its row is written once a run."""
        (since, slot), (facts, rendered, period) = period_of, digest
        if facts.tell_nothing:
            kept.told_nothing(slot)
            return 0
        copies = self.notifier.to_channels(uow, what, rendered, channels=[channel])
        if sent_last is not None:
            kept.told(sent_last)
        if copies:
            kept.copied(since, period)
        else:
            kept.missed(since)
        return copies

    @staticmethod
    def _told_last(uow: NotificationsUnitOfWork, settings: DigestSettings,
                   now: datetime) -> set[str] | None:
        """The channels the team's last digest was sent to, as the next one is made. Its
        messages are read locked, so a claim of one commits first or waits for this; one
        being sent (claimed) answers None: the next digest waits for its answer. Those still
        waiting are superseded now, never sent: their channels hear of that week from the
        next digest (`ChannelWeek.since_for`)."""
        if settings.last_slot is None:
            return set()
        last = [n for n in uow.notifications.of_events(digest_ids(settings.team_id,
                                                                  settings.last_slot))
                if n.channel_id and is_digest_of(n, settings.last_slot)]
        waiting = [n for n in last if n.status == "pending"]
        if any(n.claimed_until is not None and n.claimed_until > now for n in waiting):
            return None
        for n in waiting:
            n.fail(DIGEST_SUPERSEDED)
        return {n.channel_id for n in last if n.status == "sent"}

    def send_personal_digests(self) -> int:
        with self.uow_factory() as uow:
            members = uow.notifications.members_awaiting_digest()
        return sum(self._personal_digest(member_id) for member_id in members)

    def _personal_digest(self, member_id: str) -> int:
        now = self.clock.now()
        with self.uow_factory() as uow:
            member = uow.replicas.member(member_id)
            if member is None:
                return 0
            prefs = uow.preferences.of(member_id, member.team_id)
            if not prefs.takes_digest:  # placed for it before the member stopped taking it
                self.notifier.place_held(uow, member_id, prefs, member)
                uow.commit()
                return 0
            slot = latest_slot(now, member.timezone, self.personal_hour, prefs.digest_weekday)
            what = Occurrence(f"{PERSONAL_DIGEST_EVENT}:{slot.isoformat()}", PERSONAL_DIGEST_EVENT,
                              member.team_id, now.isoformat(), {}, self.public_url)
            if uow.notifications.exists(what.event_id, member_target(member_id)):
                return 0  # this slot's digest is made: what came in late waits for the next
            waiting = self._unmuted(uow.notifications.awaiting_digest(member_id, before=slot),
                                    prefs)
            if not waiting:
                uow.commit()  # what the member muted meanwhile is dropped
                return 0
            for item in waiting:
                item.status = "digested"
            rendered = personal_digest(prefs.digest, [n.summary for n in waiting])
            sent = self.notifier.to_members(uow, what, rendered, [member_id], as_digest=True)
            uow.commit()
        return sent


    @staticmethod
    def _unmuted(waiting: list[Notification], prefs: Preferences) -> list[Notification]:
        """What of `waiting` the digest folds in: an update of a type the member muted is
        dropped (`muted`). A transaction that read the preferences before the mute saved
        placed it after the save dropped what waited: only the digest sees it."""
        for note in waiting:
            if prefs.mutes(note.event_type):
                note.mute()
        return [note for note in waiting if note.status == "digest"]


def week_digest(uow: NotificationsUnitOfWork, team_id: str, team: TeamReplica | None,
                since: datetime, slot: datetime, period: str | None
                ) -> tuple[WeekFacts, Rendered]:
    """The team's digest of the period from `since` to `slot`, from what is known now, its
    title naming the `period` when it is not one week (`period_words`, as it was made)."""
    facts = WeekFacts(uow.replicas.team_goals(team_id),
                      uow.replicas.activity(team_id, since, slot),
                      {m.member_id: m.name for m in uow.replicas.members(team_id)})
    return facts, team_digest(team.name if team else "your team", facts, period)


def team_timezone(team: TeamReplica | None) -> str:
    return team.timezone if team else "UTC"


def digest_occurrence(team_id: str, slot: datetime, at: str, link: str | None) -> Occurrence:
    """The team digest of `slot`, made `at`, its event id naming the slot (one digest a day
    is `DigestSettings.is_due`'s rule, in the team's days)."""
    return Occurrence(digest_ids(team_id, slot)[0], DIGEST_EVENT,
                      team_id, at, {"slot": slot.isoformat()}, link)


def digest_ids(team_id: str, slot: datetime) -> tuple[str, str]:
    """The event id of `slot`'s team digest, and the one a digest made before ids named their
    slot has (its UTC day, `slot_day`): a digest of either waiting at the upgrade is the
    slot's still."""
    return (f"{DIGEST_EVENT}:{team_id}:{slot.astimezone(UTC).isoformat()}",
            f"{DIGEST_EVENT}:{team_id}:{slot_day(slot).isoformat()}")


def is_digest_of(n: Notification, slot: datetime) -> bool:
    """Whether `n` is the team digest of `slot`: by its id; by the id it had before ids named
    their slot (the slot's UTC day) only if made at or after the slot, as an earlier slot's
    digest of the same UTC day was not."""
    current, before = digest_ids(n.team_id, slot)
    return n.event_id == current or (n.event_id == before and n.created_at >= slot)


class AwaitedCheckinsJob:
    """Announces check-ins whose goals figure did not come within `wait`, and drops those
    parked for their goal's copy for `PARKED_FOR` (its coming takes them: `on_goal_updated`)."""

    def __init__(self, uow_factory: Callable[[], NotificationsUnitOfWork], clock: Clock,
                 notifier: Notifier, public_url: str, wait: timedelta):
        self.uow_factory = uow_factory
        self.clock = clock
        self.notifier = notifier
        self.public_url = public_url
        self.wait = wait

    def announce_overdue(self) -> int:
        """Announce what waited long enough; how many were announced."""
        now = self.clock.now()
        announced = 0
        with self.uow_factory() as uow:
            for awaited in uow.awaited_checkins.figure_overdue(now - self.wait):
                announce_checkin(awaited, uow, self.notifier, self.public_url)
                announced += 1
            announced += self._give_up(uow, now)
            uow.commit()
        return announced

    def _give_up(self, uow: NotificationsUnitOfWork, now: datetime) -> int:
        """Drop, a warning logged, the check-ins parked for `PARKED_FOR` with their goal still
        unknown. One whose goal's copy is here all the same (parked by a version before its
        copy took the parked ones) is told instead, as the copy would have; how many were
        announced."""
        parked = uow.awaited_checkins.parked_since(now - PARKED_FOR)
        known = uow.replicas.goals({a.goal_id for a in parked})
        announced = 0
        for awaited in parked:
            if awaited.goal_id in known:
                announced += goal_came(awaited, uow, self.notifier, self.public_url, now)
                continue
            log.warning("checkin.logged %s: goal %s still not known after %d days, the "
                        "check-in is dropped", awaited.event_id, awaited.goal_id, PARKED_FOR.days)
            uow.awaited_checkins.remove(awaited)
        return announced


def purge_slack_events(uow_factory: Callable[[], NotificationsUnitOfWork], clock: Clock) -> int:
    """Forget the Slack event ids taken more than `SLACK_EVENTS_KEPT` ago, a chunk per commit
    (`shared.retention`); how many were."""
    before = clock.now() - SLACK_EVENTS_KEPT
    return purge_in_chunks(uow_factory, lambda uow, limit: uow.slack_events.purge(before, limit))


def erase_expired_secrets(uow_factory: Callable[[], NotificationsUnitOfWork],
                          clock: Clock) -> int:
    """Erase from every channel the replaced signing secret whose grace is over, sent to since
    or not (a disabled or quiet channel too), so one leaked from a receiver's old
    configuration is gone from the database within a purge cycle; how many were."""
    with uow_factory() as uow:
        erased = uow.channels.erase_expired_secrets(clock.now())
        uow.commit()
    return erased


def answered_before_the_move(result: SendResult) -> SendResult:
    """A refusal from the URL a channel had when its message was sent, the channel pointed
    elsewhere meanwhile: it says nothing of the new URL, so it neither fails the message nor
    disables the channel; the message is tried again, at the new URL."""
    answer = f"{result.status} " if result.status is not None else ""
    return SendResult(status=None, duration_ms=result.duration_ms, error=(
        f"{answer}from the channel's previous URL, changed meanwhile: sent again to the new "
        "one")[:500])
