"""Digests: the weekly team digest for Slack and a member's personal digest for the feed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from services.notifications.domain.channel import ALERT_HEALTH
from services.notifications.domain.messages import HEALTH, health_label, progress_bar
from services.notifications.domain.render import Rendered, in_a_row
from services.notifications.domain.replicas import Activity, GoalReplica
from services.notifications.domain.schedule import latest_slot

DIGEST_EVENT = "digest.team"
# How long after the end of the last period a channel was told of its next digest tells from
# there (what came since, its title naming the period when it is not one week: `period_words`):
# eight weeks and the day a move of hour or weekday adds, so that moves, digests skipped for
# being late, a channel disabled or refusing for a while and a worker down for weeks leave
# nothing out; a digest after longer (turned off for months) tells its one week
LAST_DIGEST_REACH = timedelta(weeks=8, days=1)
WEEK = timedelta(weeks=1)
PERSONAL_DIGEST_EVENT = "digest.personal"


class DigestSettings:
    """When a team's weekly digest goes out: `weekday` (0 = Monday) at `hour`, team time;
    `last_slot`, the slot of the last digest made (each channel's week: `ChannelWeek`)."""

    def __init__(self, team_id: str, *, enabled: bool = True, weekday: int = 0, hour: int = 9):
        self.team_id = team_id
        self.enabled = enabled
        self.weekday = weekday
        self.hour = hour
        self.last_slot: datetime | None = None

    def update(self, *, enabled: bool, weekday: int, hour: int) -> None:
        self.enabled, self.weekday, self.hour = enabled, weekday, hour

    def is_due(self, slot: datetime, now: datetime, timezone: str,
               grace_hours: float = 6) -> bool:
        """Not made for `slot` yet, nor for another slot of its day in the team's time
        (`same_day`: a digest moved to a later hour the day it went out waits for its next
        day), and `slot` is recent (a digest days late is skipped; the next tells its week,
        `ChannelWeek.since_for`)."""
        fresh = (now - slot).total_seconds() <= grace_hours * 3600
        last = self.last_slot
        later_day = last is None or (last < slot and not same_day(last, slot, timezone))
        return self.enabled and fresh and later_day

    def week_of(self, slot: datetime, timezone: str) -> datetime:
        """Where the one week before `slot` begins: the previous slot in the team's time (not
        7 × 24 h: across a change of clock an hour of activity would be in two digests, or in
        none)."""
        return latest_slot(slot - timedelta(microseconds=1), timezone, self.hour, self.weekday)

    def made(self, slot: datetime) -> None:
        """`slot`'s digest was made (whatever it told, to whichever channels)."""
        self.last_slot = slot


class ChannelWeek:
    """What one channel of a team was told by the team's digests.

    `told_through`: where what the channel has not been told begins, as known when the team's
    last digest was made: the end of the last period it was told of (its copy sent: counted
    when the next digest is made, `Digests._told_last`, whether or not the channel takes that
    one; or the period had nothing to tell),
    or where the period of the last digest made for it begins when that was not told (what
    came before is told, or left out for good: `since_for`); None before any digest. The next
    digest it gets tells from there.

    `since` and `period`: the period its copy of the team's last digest
    (`DigestSettings.last_slot`) tells, from `since`, and that period in the words its title
    had when made (`period_words`, None: one week); `since` is None when no copy was made for
    it. A copy retried tells the same period, titled the same.
    """

    def __init__(self, team_id: str, channel_id: str):
        self.team_id = team_id
        self.channel_id = channel_id
        self.told_through: datetime | None = None
        self.since: datetime | None = None
        self.period: str | None = None

    def since_for(self, slot: datetime, week: datetime,
                  told: datetime | None = None) -> datetime:
        """Where the channel's digest of `slot` begins: `told_through` (or `told`, the slot
        of the last digest when its copy was sent and is not counted yet: `told`) when it is
        within `LAST_DIGEST_REACH` before, so that a copy that never reached it (superseded
        while it waited, failed, or not made as the channel was disabled) leaves nothing
        untold, and none of what it heard is told twice. Else (a first digest, or more than
        eight weeks since it was told) `week`, the slot's one week (`DigestSettings.week_of`).
        Reads only: what the digest makes of the week is written once, after its copy."""
        through = told if told is not None else self.told_through
        if through is not None and timedelta(0) < slot - through <= LAST_DIGEST_REACH:
            return through
        return week

    def copied(self, since: datetime, period: str | None) -> None:
        """A copy of the team's last digest was made for the channel, telling from `since`,
        titled with `period`: untold until it is sent."""
        self.told_through, self.since, self.period = since, since, period

    def missed(self, since: datetime) -> None:
        """The team's last digest, telling the channel from `since`, made no copy for it (it
        was disabled): what it was not told stays untold from where it began (`since` before
        any digest), so that a channel disabled for longer than `LAST_DIGEST_REACH` gets one
        week when enabled again."""
        if self.told_through is None:
            self.told_through = since
        self.since = self.period = None

    def told_nothing(self, slot: datetime) -> None:
        """The team's digest of `slot` had nothing to tell the channel: told through `slot`,
        no copy made."""
        self.told_through, self.since, self.period = slot, None, None

    def told(self, through: datetime) -> None:
        """The channel's copy of the digest of `through` was sent."""
        self.told_through = through

    def not_taken(self, told: datetime | None) -> None:
        """The team's digest was made, and none for the channel, which does not take digests
        now: its copy of the last one counts if sent (`told`, that digest's slot), so that
        nothing of it is told again when the channel takes digests again; no copy of this
        one."""
        if told is not None:
            self.told_through = told
        self.since = self.period = None


def slot_day(slot: datetime) -> date:
    """The day of a digest's slot in UTC, which the event ids of digests made before they
    named their slot named (`jobs.digest_ids`)."""
    return slot.astimezone(UTC).date()


def same_day(one: datetime, other: datetime, timezone: str) -> bool:
    """Whether two slots are of one day in the team's time: one digest a day, as the team
    reads its days."""
    zone = ZoneInfo(timezone)
    return one.astimezone(zone).date() == other.astimezone(zone).date()


@dataclass(frozen=True)
class WeekFacts:
    goals: list[GoalReplica]
    activity: list[Activity]
    names: dict[str, str]

    @property
    def shown_goals(self) -> list[GoalReplica]:
        """The goals a team digest speaks of: open, and not private."""
        return [g for g in self.goals if g.is_open and not g.is_private]

    @property
    def private_goal_ids(self) -> set[str]:
        return {g.goal_id for g in self.goals if g.is_private}

    @property
    def tell_nothing(self) -> bool:
        """No goal to show and no activity but on private goals: a digest would be empty.
        Goals with no check-in are not this: that silence is the week's news."""
        private = self.private_goal_ids
        return not self.shown_goals and all(a.goal_id in private for a in self.activity)


def period_words(since: datetime, slot: datetime, timezone: str) -> str | None:
    """The period a digest of `slot` telling from `since` covers, in the team's days ("since
    Monday 31 December"), or None when it is a week: it begins on the day a week before
    `slot`'s (a change of clock in the week, or of the digest's hour, leaves it weekly). Worded
    once, as the digest is made (`ChannelWeek.period`)."""
    start, end = since.astimezone(ZoneInfo(timezone)), slot.astimezone(ZoneInfo(timezone))
    if end.date() - start.date() == WEEK:
        return None
    year = f" {start.year}" if start.year != end.year else ""
    return f"since {start:%A} {start.day} {start:%B}{year}"


def team_digest(team_name: str, facts: WeekFacts, period: str | None = None) -> Rendered:
    """The week in a team's channels: nothing of a private goal, not even its kudos. Its
    title names the `period` it tells when that is not one week (`period_words`)."""
    goals = facts.shown_goals
    by_health = Counter(g.health or "not_started" for g in goals)
    health_line = ", ".join(f"{HEALTH[h][0]} {by_health[h]} {HEALTH[h][1].lower()}"
                            for h in HEALTH if by_health[h]) or "no open goals"
    visible = {g.goal_id for g in goals}
    checked = {a.goal_id for a in facts.activity if a.kind == "checkin" and a.goal_id in visible}
    rate = f"{len(checked)}/{len(goals)} goals checked in" if goals else "no open goals"
    private = facts.private_goal_ids
    kudos = sum(1 for a in facts.activity if a.kind == "kudos" and a.goal_id not in private)
    lines = [f"*Goals by health:* {health_line}", f"*Check-in rate:* {rate}",
             f"*Kudos given:* {kudos}"]
    lines += [_streak_line(facts.names.get(a.member_id, "someone"), a)
              for a in facts.activity if a.kind == "streak" and a.goal_id in visible]
    lines += _at_risk_lines(goals, facts.names)
    name = "Weekly digest" if period is None else f"Digest {period}"
    return Rendered(f"{name}: {team_name}", lines, f"{name}: {health_line}; {rate}; {kudos} kudos")


def _streak_line(name: str, streak: Activity) -> str:
    """A streak reached, in its periods ("checked in 3 weeks in a row"); one recorded before
    checkins named its period (`frequency` None) in the words it had then."""
    if streak.frequency is None:
        return f"🔥 *{name}* reached a {streak.amount:g} check-in streak"
    return f"🔥 *{name}* checked in {in_a_row(int(streak.amount), streak.frequency)}"


def _at_risk_lines(goals: list[GoalReplica], names: dict[str, str]) -> list[str]:
    at_risk = [g for g in goals if g.health in ALERT_HEALTH]
    if not at_risk:
        return ["*At risk:* nothing, nice work"]
    return ["*At risk:*"] + [
        f"{health_label(g.health)} *{g.title}* ({names.get(g.owner_id, 'someone')}) "
        f"{progress_bar(g.progress)}" for g in at_risk
    ]


def personal_digest(frequency: str, summaries: list[str]) -> Rendered:
    title = f"Your {frequency} digest: {len(summaries)} update{'s' if len(summaries) != 1 else ''}"
    return Rendered(title, summaries, title)
