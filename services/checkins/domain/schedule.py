"""A goal's check-in schedule: the next due moment, reminders, misses, escalation and streaks.

One row per goal holds the open occurrence (`due_at`), whether its reminder went out and
whether a check-in counted for it, the escalation ladder of the current quiet spell, the
streak, and `next_action_at`: the only moment the scheduler needs to look at the row again.

- Reminder: once per occurrence, `reminder_lead` before it is due, unless already checked in.
  An owner snoozed at that moment whose snooze ends before the due moment is reminded when it
  ends: they are judged on the occurrence (below), so they are told of it first.
- Miss: `grace` after the due moment with no check-in. The streak breaks and, unless a ladder
  is already running, the ladder starts: level 1 (owner) at once, level 2 (partners) and
  level 3 (leads) each `escalation_interval` later. A check-in ends the spell.
- A snoozed (or departed) owner gets nothing: no reminder, no miss, no escalation, and the
  occurrence passes without breaking the streak. An occurrence is judged by whether its owner
  was snoozed when it fell due: one due in a snooze's last hours passes unmissed, though its
  grace ends after the snooze.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.domain import Aggregate

STREAK_MILESTONES = (3, 7, 14, 30, 60, 100, 180, 365)
LAST_LEVEL = 3


@dataclass(frozen=True)
class Policy:
    reminder_lead: timedelta = timedelta(hours=2)
    grace: timedelta = timedelta(hours=12)
    escalation_interval: timedelta = timedelta(hours=24)
    edit_window: timedelta = timedelta(hours=24)


@dataclass(frozen=True)
class Audience:
    """Who hears about this goal right now; the service layer looks it up for due rows only.
    The team's leads are asked for (`find_leads`), and who of the partners or leads is
    available (`available`: not snoozed), only when an escalation reaches them: a check-in or
    a reminder never reads the team's members."""

    owner_id: str
    owner_available: bool
    owner_available_at: Callable[[datetime], bool]  # at a past moment, by their snooze now
    owner_back_at: Callable[[], datetime | None] = lambda: None  # their snooze's end, if any
    partner_ids: list[str] = field(default_factory=list)
    find_leads: Callable[[], list[str]] = list
    available: Callable[[set[str]], set[str]] = set

    def recipients(self, level: int) -> list[str]:
        """The owner at level 1; their available partners at 2, the available leads at 3."""
        if level == 1:
            return [self.owner_id]
        others = set(self.partner_ids if level == 2 else self.find_leads()) - {self.owner_id}
        return sorted(self.available(others))


NextDue = Callable[[datetime], datetime]


class GoalSchedule(Aggregate):
    def __init__(self, goal_id: str, team_id: str, owner_id: str, due_at: datetime,
                 policy: Policy):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.active = True
        self.due_at = due_at
        self.reminded = False
        self.checked_in = False
        self.spell_due_at: datetime | None = None
        self.escalation_level = 0
        self.current_streak = 0
        self.longest_streak = 0
        self.last_checkin_at: datetime | None = None
        self.next_action_at: datetime | None = None
        self._plan(policy)

    # -- commands ---------------------------------------------------------------------------
    def advance(self, now: datetime, policy: Policy, audience: Audience, next_due: NextDue, *,
                remind: bool = True) -> None:
        """Do everything that has fallen due by `now`, each step exactly once. An occurrence
        closes at the end of its grace, or once its due moment passed if a check-in counted for
        it early: the grace waits for a late check-in, and a check-in after the due moment of
        one answered early is the next period's (`next_wanted`), not a second in this one. One
        answered late stays open to its grace's end: a second check-in minutes after a late
        one counts for nothing, rather than for the next period too."""
        while self.active and self._closes_by(now, policy):
            self._close_occurrence(policy, audience, next_due)
        reminder_at = None
        if remind and self.active and self._reminder_due(now, policy):
            reminder_at = self._remind(now, audience)
        self._escalate(now, policy, audience)
        self._plan(policy, reminder_at)

    def record_checkin(self, at: datetime, policy: Policy, frequency: str, *,
                       counts: bool = True) -> None:
        """A check-in at `at` (after `advance(at)`): counts for the open occurrence once if it
        `counts`; one made before the goal starts does not, so the first period is still wanted,
        reminded and missed as if it had not been made. A streak milestone's event names the
        `frequency` of the cadence that applies (what one period of the streak is). One made
        before the last known (a Slack check-in delayed on its way) leaves that one the last."""
        self.last_checkin_at = at if self.last_checkin_at is None else max(
            self.last_checkin_at, at)
        self.spell_due_at, self.escalation_level = None, 0
        if counts and not self.checked_in:
            self.checked_in = True
            self.current_streak += 1
            self.longest_streak = max(self.longest_streak, self.current_streak)
            if self.current_streak in STREAK_MILESTONES:
                self._emit("streak.reached", {"owner_id": self.owner_id,
                                              "length": self.current_streak,
                                              "frequency": frequency}, at)
        self._plan(policy)

    def retime(self, now: datetime, policy: Policy, next_due: NextDue,
               opens_at: datetime | None = None) -> None:
        """The cadence or time zone changed: an occurrence not yet due moves to the new times,
        and a check-in made for it counts for the moved one, as a check-in counts for the next
        due occurrence (a monthly check-in made early counts for the first daily one after a
        switch; one made on Sunday for Monday 09:00 counts for Monday 17:00 or for Monday 09:00
        in New York, which kept 09:00 Berlin and then was due again the same day).

        One already due is the same period at the new times' first moment from its due moment
        on, if that comes within its grace (Monday 09:00 moved to a daily 10:00 at noon is
        Monday 10:00): still ahead, it is due then, with the check-in counted for it; passed,
        it keeps what it had and closes by the usual rules, so the next is the one after it
        (not Monday 10:00 again, due 11 h ago). A new first moment past the grace (a time moved
        earlier in the day, or a zone east, falls a period later) leaves it to be judged at the
        times it fell due at; one counted early is then over, and that new moment is the next
        period's (a late scheduler still judges those between it and now). One counted late
        stays open to its grace's end, so that a second check-in minutes later counts for
        nothing. One whose times did not change is left alone, however late the scheduler is.

        A start date moved later is `_starts_at`'s."""
        if self._starts_at(opens_at, next_due):
            self._plan(policy)
            return
        if self.due_at > now:
            moved = next_due(now)
            if moved != self.due_at:
                self.due_at, self.reminded = moved, False
        else:
            same_period = next_due(self.due_at - timedelta(microseconds=1))
            if same_period == self.due_at:
                pass
            elif same_period < self.due_at + policy.grace:
                self.due_at = same_period
                if same_period > now:
                    self.reminded = False
            elif self.checked_in and self.last_checkin_at <= self.due_at:
                self.due_at, self.reminded, self.checked_in = same_period, False, False
        self._plan(policy)

    def pause(self) -> None:
        self.active, self.next_action_at = False, None
        self.spell_due_at, self.escalation_level = None, 0

    def resume(self, now: datetime, policy: Policy, next_due: NextDue,
               opens_at: datetime | None = None) -> None:
        """The goal is active again. An occurrence not yet due stays open, re-timed as `retime`
        does, with its reminder and the check-in counted for it (a goal reopened an hour after
        it was achieved by mistake); one already due gives way to the next, nothing counted.
        A start date moved later meanwhile is `_starts_at`'s."""
        if self.active:
            self._plan(policy)
            return
        self.active = True
        if self._starts_at(opens_at, next_due):
            self._plan(policy)
            return
        if self.due_at > now:
            self.retime(now, policy, next_due)
            return
        self.due_at, self.reminded, self.checked_in = next_due(now), False, False
        self._plan(policy)

    # -- queries ----------------------------------------------------------------------------
    def streak_as_of(self, now: datetime, policy: Policy, owner_available: bool) -> int:
        """The current streak, already 0 when the open occurrence was missed but not yet ticked
        (`owner_available`: when it fell due, `available_when_due`)."""
        missed = self.active and not self.checked_in and self.due_at + policy.grace <= now
        return 0 if missed and owner_available else self.current_streak

    def next_wanted(self, next_due: NextDue) -> datetime:
        """When the next check-in is wanted: the open occurrence's due moment, or the one after
        it once a check-in counted for it (early, or late within the grace period)."""
        return next_due(self.due_at) if self.checked_in else self.due_at

    def available_when_due(self, now: datetime, available_at: Callable[[datetime], bool]) -> bool:
        """Whether the owner hears from us as of the open occurrence's due moment (or `now`,
        before it): what `overdue` and `streak_as_of` are told."""
        return available_at(min(self.due_at, now))

    def overdue(self, now: datetime, owner_available: bool) -> bool:
        """Due and not checked in (a check-in after the due moment ends it); never when the
        owner was snoozed as it fell due (`owner_available`, `available_when_due`), when an
        occurrence passes without counting."""
        return owner_available and self.active and not self.checked_in and self.due_at <= now

    # -- steps ------------------------------------------------------------------------------
    def _starts_at(self, opens_at: datetime | None, next_due: NextDue) -> bool:
        """The goal's first day begins at `opens_at` (its start date, perhaps moved later):
        nothing before it is a period of the goal's. A check-in before it counts for none, so
        the streak such check-ins made goes (`longest_streak` stays); a quiet spell that began
        before it escalates no further; an open period due before it is neither missed nor
        counted, and gives way to the first on or after the start. Whether it gave way."""
        if opens_at is None:
            return False
        if self.last_checkin_at is not None and self.last_checkin_at < opens_at:
            self.checked_in, self.current_streak = False, 0
        if self.spell_due_at is not None and self.spell_due_at < opens_at:
            self.spell_due_at, self.escalation_level = None, 0
        if self.due_at >= opens_at:
            return False
        self.current_streak = 0
        self.due_at, self.reminded, self.checked_in = next_due(self.due_at), False, False
        return True

    def _closes_by(self, now: datetime, policy: Policy) -> bool:
        answered_early = (self.checked_in and self.last_checkin_at is not None
                          and self.last_checkin_at <= self.due_at)
        return self.due_at + policy.grace <= now or (answered_early and self.due_at < now)

    def _close_occurrence(self, policy: Policy, audience: Audience, next_due: NextDue) -> None:
        closing = self.due_at
        if not self.checked_in and audience.owner_available_at(closing):
            self.current_streak = 0
            if self.spell_due_at is None:
                self.spell_due_at, self.escalation_level = closing, 0
        self.due_at, self.reminded, self.checked_in = next_due(closing), False, False

    def _remind(self, now: datetime, audience: Audience) -> datetime | None:
        """Send the due reminder; or, to an owner snoozed now who is back before the
        occurrence is due (and is judged on it), the moment to send it then. An owner
        snoozed past the due moment, or gone, is not reminded of it."""
        if not audience.owner_available:
            back_at = audience.owner_back_at()
            if back_at is not None and back_at < self.due_at:
                return back_at
        self.reminded = True
        if audience.owner_available:
            self._emit("checkin.reminder", {"owner_id": self.owner_id,
                                            "due_at": self.due_at.isoformat()}, now)
        return None

    def _reminder_due(self, now: datetime, policy: Policy) -> bool:
        pending = not self.reminded and not self.checked_in
        return pending and self.due_at - policy.reminder_lead <= now

    def _escalate(self, now: datetime, policy: Policy, audience: Audience) -> None:
        if self.spell_due_at is None:
            return
        if not audience.owner_available:
            self.spell_due_at, self.escalation_level = None, 0
            return
        while self.escalation_level < LAST_LEVEL and self._level_time(
                self.escalation_level + 1, policy) <= now:
            self.escalation_level += 1
            recipients = audience.recipients(self.escalation_level)
            if recipients:
                self._emit("checkin.missed", {
                    "owner_id": self.owner_id, "due_at": self.spell_due_at.isoformat(),
                    "level": self.escalation_level, "recipients": recipients}, now)

    def _level_time(self, level: int, policy: Policy) -> datetime:
        return self.spell_due_at + policy.grace + (level - 1) * policy.escalation_interval

    def _plan(self, policy: Policy, reminder_at: datetime | None = None) -> None:
        """Set `next_action_at`; `reminder_at` moves a pending reminder later (to the end of
        its owner's snooze). Planned again without it, the reminder's moment is its usual one,
        already past, so the next tick asks the owner's snooze again."""
        if not self.active:
            self.next_action_at = None
            return
        moments = [self.due_at + policy.grace]
        if not self.reminded and not self.checked_in:
            moments.append(reminder_at or self.due_at - policy.reminder_lead)
        if self.spell_due_at is not None and self.escalation_level < LAST_LEVEL:
            moments.append(self._level_time(self.escalation_level + 1, policy))
        self.next_action_at = min(moments)

    def _emit(self, event_type: str, data: dict, at: datetime) -> None:
        self.record(event_type, self.team_id, {
            "goal_id": self.goal_id, "team_id": self.team_id, **data, "at": at.isoformat()},
            subject=self.goal_id)
