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
# How long after a digest the next one tells from it (what came since, its title naming the
# period when it is not one week: `period_words`): eight weeks and the day a move of hour or
# weekday adds, so that moves, digests skipped for being late and a worker down for weeks leave
# nothing out; a digest after longer (turned off for months) tells its one week
LAST_DIGEST_REACH = timedelta(weeks=8, days=1)
WEEK = timedelta(weeks=1)
PERSONAL_DIGEST_EVENT = "digest.personal"


class DigestSettings:
    """When a team's weekly digest goes out: `weekday` (0 = Monday) at `hour`, team time."""

    def __init__(self, team_id: str, *, enabled: bool = True, weekday: int = 0, hour: int = 9):
        self.team_id = team_id
        self.enabled = enabled
        self.weekday = weekday
        self.hour = hour
        self.last_slot: datetime | None = None
        self.last_since: datetime | None = None  # where the week `last_slot` told began

    def update(self, *, enabled: bool, weekday: int, hour: int) -> None:
        self.enabled, self.weekday, self.hour = enabled, weekday, hour

    def is_due(self, slot: datetime, now: datetime, timezone: str,
               grace_hours: float = 6) -> bool:
        """Not sent for `slot` yet, nor for another slot of its day in the team's time
        (`same_day`: a digest moved to a later hour the day it went out waits for its next
        day), and `slot` is recent (a digest days late is skipped; the next tells its week,
        `week_since_last`)."""
        fresh = (now - slot).total_seconds() <= grace_hours * 3600
        last = self.last_slot
        later_day = last is None or (last < slot and not same_day(last, slot, timezone))
        return self.enabled and fresh and later_day

    def week_of(self, slot: datetime, timezone: str) -> datetime:
        """Where the week `slot`'s digest tells begins: the previous slot in the team's time
        (not 7 × 24 h: across a change of clock an hour of activity would be in two digests,
        or in none)."""
        return latest_slot(slot - timedelta(microseconds=1), timezone, self.hour, self.weekday)

    def untold_from(self, last_told: bool) -> datetime | None:
        """Where what no digest told yet begins, as the next is made: the last digest's slot
        if it was told (`last_told`: sent to a channel, or it needed none: `told_nothing`);
        where its week began if it reached no channel (superseded while it waited, failed,
        or made while the team's channels were disabled), so that a chain of such digests
        begins at the first one's week; None before a first digest."""
        if self.last_slot is None:
            return None
        return self.last_slot if last_told or self.last_since is None else self.last_since

    def week_since_last(self, slot: datetime, timezone: str, untold: datetime | None
                        ) -> datetime:
        """Where the week `slot`'s digest tells begins when made now: `untold` (`untold_from`)
        within `LAST_DIGEST_REACH` before, so that a digest moved to another hour or weekday,
        the one after a digest skipped for being late, and the one after digests that reached
        no channel tell what came since the last one told, none of it twice and none left
        out. Else (a first digest, or one after more than eight weeks without one told)
        `week_of`."""
        if untold is not None and timedelta(0) < slot - untold <= LAST_DIGEST_REACH:
            return untold
        return self.week_of(slot, timezone)

    def made(self, since: datetime, slot: datetime) -> None:
        """`slot`'s digest was made, telling the week from `since`: one made again later (a
        retry) tells the same week, whatever the weekday, hour or timezone are then."""
        self.last_since, self.last_slot = since, slot

    def reached_none(self, untold: datetime | None, since: datetime, slot: datetime) -> None:
        """`slot`'s digest, telling from `since`, was made while the channels that take the
        team's digests were disabled: what is untold still begins at `untold` (`untold_from`
        as it was made), so the digest a channel gets next tells it within the reach, or its
        one week beyond."""
        self.made(since if untold is None else untold, slot)

    def told_nothing(self, slot: datetime) -> None:
        """`slot`'s digest went nowhere and needs no other to tell its week: it had nothing to
        tell, or the team has no channel that takes digests. The next digest tells from
        `slot`, as after one sent."""
        self.made(slot, slot)


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
    """The period a digest of `slot` telling from `since` covers, in the team's days
    ("since Monday 31 December"), or None when it is a week: it begins on the day a week
    before `slot`'s, as the title would read (a change of clock in the week, or of the
    digest's hour, leaves it weekly), or lasts 7 days within the two hours a change of clock
    moves (a digest made again after the team moved to another time zone tells the week it
    told, whose days may read otherwise there)."""
    start, end = since.astimezone(ZoneInfo(timezone)), slot.astimezone(ZoneInfo(timezone))
    if end.date() - start.date() == WEEK or abs(slot - since - WEEK) <= timedelta(hours=2):
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
