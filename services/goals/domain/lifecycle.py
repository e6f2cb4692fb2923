"""Lifecycle of a goal: draft -> active -> achieved, or closed as partial, missed or dropped.

A closed goal can be reopened, and so can an achieved one (marked achieved by mistake, or achieved
on reaching its measure that a correction then took back). A dropped goal may name the goal that
replaced it: dropping a goal for a better one is a normal path. Reaching the measure while active
achieves the goal, once; the reopening itself does not achieve it again (see `settle`). Each move's
event carries the figure and health the goal has in its new status: a team goal reopened takes up
its children's roll-up before goal.reopened.
"""

from __future__ import annotations

from datetime import datetime

from shared.domain import Conflict, Unprocessable
from shared.goal_statuses import CLOSED, CURRENT, FINAL, status_in_words

REOPENABLE = FINAL
TYPED_FIGURE = "typed"  # `figure_checkin_id` of a figure a lead set by editing the metric


def ensure_can_replace(replacement: Lifecycle) -> None:
    """422 on replaced_by unless `replacement` is a draft or active goal: a dropped goal's aim
    goes on in the goal that replaces it, so that goal is neither reached already nor given up
    itself (nor, then, one this goal replaced)."""
    if replacement.status not in CURRENT:
        status = status_in_words(replacement.status)
        raise Unprocessable(
            f"a replacement must be a draft or active goal; “{replacement.title}” is {status}",
            errors={"replaced_by": [f"Must be a draft or active goal; this one is {status}."]})


class Lifecycle:
    def activate(self, *, actor: str | None, at: datetime) -> None:
        if self.status != "draft":
            raise self._refused("only a draft goal can be activated")
        self._move_to("active", actor, at, "goal.activated")

    def achieve(self, *, actor: str | None, at: datetime) -> None:
        if self.status != "active":
            raise self._refused("only an active goal can be achieved")
        self._move_to("achieved", actor, at, "goal.achieved")

    def maybe_achieve(self, *, actor: str | None, at: datetime) -> bool:
        if self.status == "active" and self.measure_reached:
            self.achieve(actor=actor, at=at)
            return True
        return False

    def close(self, outcome: str, *, retrospective: str, replaced_by: str | None,
              actor: str | None, at: datetime) -> None:
        if self.status not in CURRENT:
            raise self._refused("only a draft or active goal can be closed")
        if replaced_by is not None and outcome != "dropped":
            raise Unprocessable("only a dropped goal can be replaced by another",
                                errors={"replaced_by": ["Only allowed when outcome is dropped."]})
        if replaced_by == self.id:
            raise Unprocessable("a goal cannot replace itself",
                                errors={"replaced_by": ["Must be another goal."]})
        self.outcome, self.retrospective, self.replaced_by = outcome, retrospective, replaced_by
        self._move_to(outcome, actor, at, "goal.closed", {"retrospective": retrospective,
                                                          "replaced_by": replaced_by},
                      outcome=outcome, retrospective=retrospective, replaced_by=replaced_by)

    def reopen(self, *, rollup: float | None, actor: str | None, at: datetime) -> None:
        """Active again, its progress rolled up from `rollup` (its children's current figures,
        see `alignment.resumed_roll_up`; None when none counts) before goal.reopened, which
        then carries the progress, health and version the goal reopens with."""
        if self.status not in REOPENABLE:
            raise self._refused("only a closed or achieved goal can be reopened")
        self.outcome, self.replaced_by = None, None
        previous = self.health
        self._enter("active", actor, at)
        self.set_rollup(rollup, actor=actor, at=at, announce=False)
        self._announce_move("goal.reopened", previous, at)

    def log_checkin(self, value: float | None, delta: float | None, *, actor: str | None,
                    at: datetime, checkin_id: str) -> bool:
        """A check-in made `at` logged `value`, or `delta` from the current figure (neither: no
        figure). One made earlier can come later (replicas stamp `at` by their own clocks,
        before check-ins of a goal are serialised), so the goal keeps the figure as the
        check-ins' history, by `at`, says it: a check-in made before the latest value given
        (`figure_at`: a check-in's value, or a lead's figure typed in an edit of the metric)
        leaves the figure as it is, a delta too (that value was the word on the goal as it
        stood then, the step in it); a delta made after it adds whenever it comes, so two
        deltas count both in either order. The check-in that moved or set the figure last is
        the one that logged it (`figure_checkin_id`), even when it logged the figure the goal
        already had: only its correction may set the figure to a corrected value
        (`correct_checkin`); a typed figure is no check-in's (`TYPED_FIGURE`). Left so: a
        value that comes after a delta made later than it sets the figure, that delta not
        added again (the goal keeps no list of its deltas). A closed goal keeps its figure,
        and the check-in that logged it. True when anything changed."""
        metric = self.metric
        if metric is None or self.status in CLOSED or (value is None and delta is None):
            return False
        if self.figure_at is not None and at < self.figure_at:
            return False
        if value is not None:
            self.figure_at = at
        self.figure_checkin_id = checkin_id
        value = value if value is not None else metric.current + delta
        return self.record_value(value, actor=actor, at=at, checkin_id=checkin_id)

    def record_value(self, value: float, *, actor: str | None, at: datetime,
                     checkin_id: str | None = None) -> bool:
        """A check-in moved the metric to `value`; True when anything changed."""
        metric = self.metric
        if metric is None or self.status in CLOSED or metric.current == value:
            return False
        previous = self.progress
        self.metric = metric.moved_to(value)
        self.settle_progress()
        self.note("progressed", actor, at, {"metric.current": [metric.current, value]})
        self._progressed(previous, metric.current, at=at, source="checkin",
                         checkin_id=checkin_id)
        return True

    def correct_checkin(self, previous: tuple[float | None, float | None],
                        corrected: tuple[float | None, float | None], *, actor: str | None,
                        at: datetime, checkin_id: str) -> bool:
        """A check-in's (value, delta) was corrected. A corrected delta applies its difference,
        whatever was logged since. A corrected value applies only while the figure is still the
        one this check-in logged: the figure equals the check-in's old value, and
        `figure_checkin_id` names this check-in (`log_checkin`) or is None (a figure logged
        before the goal kept which check-in logged it, where the value alone tells). The figure
        is left as it is when a later check-in logged a figure since (even the same one), when
        a lead typed one by editing the metric (`figure_checkin_id` is `TYPED_FIGURE`, no
        check-in's), and when the correction turns a value into a delta or back. True when the
        figure moved."""
        metric = self.metric
        (old_value, old_delta), (new_value, new_delta) = previous, corrected
        if metric is None:
            return False
        if old_delta is not None and new_delta is not None:
            value = metric.current + new_delta - old_delta
        elif (old_value is not None and new_value is not None and metric.current == old_value
              and self.figure_checkin_id in (None, checkin_id)):
            value = new_value
        else:
            return False
        return self.record_value(value, actor=actor, at=at, checkin_id=checkin_id)

    def _refused(self, rule: str) -> Conflict:
        """409 saying `rule` and the status this goal is in, in words: "only a draft goal can
        be activated; this one is closed as missed"."""
        return Conflict(f"{rule}; this one is {status_in_words(self.status)}")

    def _move_to(self, status: str, actor: str | None, at: datetime, event_type: str,
                 extra: dict | None = None, **event_extra) -> None:
        """Move to `status` and publish `event_type` with the health the goal has in it;
        a change of health follows that event, as `goal.health_changed`."""
        previous = self.health
        self._enter(status, actor, at, extra)
        self._announce_move(event_type, previous, at, **event_extra)

    def _enter(self, status: str, actor: str | None, at: datetime,
               extra: dict | None = None) -> None:
        """Take `status`, noted in the history with `extra`'s non-empty fields."""
        changes = {"status": [self.status, status]}
        changes.update({k: [None, v] for k, v in (extra or {}).items() if v})
        self.status = status
        self.note(status if status != "active" else "activated", actor, at, changes)

    def _announce_move(self, event_type: str, previous_health: str | None, at: datetime,
                       **event_extra) -> None:
        """Judge the health of the status just taken, publish `event_type`, then
        `goal.health_changed` if the health changed from `previous_health`."""
        self.judge_health(at)
        self.publish(event_type, **event_extra)
        self.announce_health(previous_health, at)
