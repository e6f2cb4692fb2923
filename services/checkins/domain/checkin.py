"""A check-in: progress on one goal at one moment, editable by its author for a while."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from services.checkins.domain.replicas import GoalView
from shared.domain import Aggregate, Conflict, Forbidden, Unprocessable
from shared.goal_statuses import CLOSED, status_in_words

NO_METRIC = "This goal has no metric: check in the milestones you completed, or a note."


@dataclass(frozen=True)
class Progress:
    value: float | None = None
    delta: float | None = None
    note: str = ""
    confidence: int | None = None
    blockers: str = ""
    completed_milestones: list[str] = field(default_factory=list)

    def corrected(self, changes: dict) -> Progress:
        """This progress with `changes`; the fields not given keep their values. A correction
        giving `value` alone turns a delta check-in into a value one, and `delta` alone the
        other way: the amount the check-in had is replaced, not kept beside it."""
        for given, other in (("value", "delta"), ("delta", "value")):
            if changes.get(given) is not None and other not in changes:
                changes = {**changes, other: None}
        return replace(self, **changes)

    @property
    def has_figure(self) -> bool:
        return self.value is not None or self.delta is not None

    def _figure_kept(self, kept: Progress | None) -> bool:
        return kept is not None and (self.value, self.delta) == (kept.value, kept.delta)

    def check_against(self, goal: GoalView, kept: Progress | None = None) -> None:
        """422 unless this progress fits `goal` as it is now: a value or delta only on a goal
        with a metric (one without has no figure to move), and on such a goal one of them. A
        correction of `kept` (what the check-in said) is checked for what it changes: a
        check-in logged without a figure before its goal had a metric, or naming a milestone
        of a pathway the goal has left since, keeps saying so; a figure taken away or given
        anew, or a milestone named anew, is checked."""
        if self.value is not None and self.delta is not None:
            raise Unprocessable("give either value or delta, not both",
                                errors={"delta": ["Cannot be combined with value."]})
        if not goal.has_metric and self.has_figure and not self._figure_kept(kept):
            given = "value" if self.value is not None else "delta"
            raise Unprocessable(f"goal “{goal.title}” has no metric, so it takes no value or "
                                "delta: check in the milestones you completed, or a note",
                                errors={given: [NO_METRIC]})
        kept_unfigured = kept is not None and not kept.has_figure
        if goal.has_metric and not self.has_figure and not kept_unfigured:
            raise Unprocessable("a check-in on a metric goal needs a value or a delta",
                                errors={"value": ["Give value or delta for a metric goal."]})
        named_before = set(kept.completed_milestones) if kept is not None else set()
        unknown = sorted(set(self.completed_milestones) - goal.milestone_ids() - named_before)
        if unknown:
            raise Unprocessable("unknown milestones", errors={"completed_milestones": [
                f"Not milestones of this goal: {', '.join(unknown)}."]})


def closed_to_checkins(goal: GoalView) -> str:
    """Why `goal` takes no check-in, in words its owner reads (the API, a Slack DM)."""
    return (f"goal “{goal.title}” is {status_in_words(goal.status)}; only active goals take "
            "check-ins")


def ensure_open_for_checkins(goal: GoalView) -> None:
    if not goal.is_active:
        raise Conflict(closed_to_checkins(goal))


class Checkin(Aggregate):
    def __init__(self, goal: GoalView, author_id: str, progress: Progress, *, at: datetime,
                 source: str = "api", request_id: str | None = None,
                 partner_ids: list[str] | None = None,
                 id: str | None = None):
        ensure_open_for_checkins(goal)
        progress.check_against(goal)
        self.id = id or str(uuid.uuid4())
        self.goal_id = goal.goal_id
        self.team_id = goal.team_id
        self.author_id = author_id
        self.source = source
        self.request_id = request_id
        self.created_at = at
        self.edited_at: datetime | None = None
        self.kudos: dict[str, int] = {}  # counts by emoji, as a read attaches them
        self._apply(progress)
        self._announce("checkin.logged", partner_ids or [], at)

    def edit(self, goal: GoalView, editor_id: str, progress: Progress, *, at: datetime,
             window: timedelta, partner_ids: list[str]) -> None:
        """Correct the check-in to `progress` (its author, within `window` of logging it):
        checkin.edited, and `edited_at` moves. A correction to what it already says changes
        nothing, and is no edit: no event, `edited_at` stays, and the window is not asked."""
        if editor_id != self.author_id:
            raise Forbidden("only the author may edit a check-in")
        if progress == self.progress:
            return
        if at > self.created_at + window:
            raise Conflict(f"check-ins can be edited for {_hours(window)} after logging; "
                           f"this one closed at {(self.created_at + window).isoformat()}")
        progress.check_against(goal, kept=self.progress)
        self._ensure_figures_kept(goal, progress)
        previous = {"previous_value": self.value, "previous_delta": self.delta}
        self._apply(progress)
        self.edited_at = at
        self._announce("checkin.edited", partner_ids, at, **previous)

    def _ensure_figures_kept(self, goal: GoalView, progress: Progress) -> None:
        """A closed goal keeps its metric and milestones until it is reopened, so its
        check-ins keep the figures that moved them; their words may still be corrected."""
        figures = (progress.value, progress.delta, sorted(progress.completed_milestones))
        if goal.status in CLOSED and figures != (
                self.value, self.delta, sorted(self.completed_milestones or [])):
            raise Conflict(f"goal “{goal.title}” is {goal.status}: its check-ins keep their "
                           "figures until it is reopened; the note, confidence and blockers "
                           "can still be corrected")

    @property
    def progress(self) -> Progress:
        return Progress(self.value, self.delta, self.note, self.confidence, self.blockers,
                        list(self.completed_milestones or []))

    def _apply(self, progress: Progress) -> None:
        self.value = progress.value
        self.delta = progress.delta
        self.note = progress.note
        self.confidence = progress.confidence
        self.blockers = progress.blockers
        self.completed_milestones = list(progress.completed_milestones)

    def _announce(self, event_type: str, partner_ids: list[str], at: datetime,
                  **extra) -> None:
        self.record(event_type, self.team_id, {
            "checkin_id": self.id, "goal_id": self.goal_id, "team_id": self.team_id,
            "author_id": self.author_id, "value": self.value, "delta": self.delta,
            "note": self.note, "confidence": self.confidence, "blockers": self.blockers,
            "completed_milestones": list(self.completed_milestones),
            "at": at.isoformat(), "source": self.source, "request_id": self.request_id,
            "partner_ids": sorted(partner_ids), **extra,
        }, subject=self.goal_id)


class Rejection(Aggregate):
    """A check-in request refused with its reason, announced as checkin.rejected. Kept by its
    request id, as a logged check-in is, so the same request delivered again is answered
    once; purged a day later (`jobs.REJECTIONS_KEPT`)."""

    def __init__(self, request_id: str, team_id: str, member_id: str, reason: str, *,
                 at: datetime):
        self.request_id = request_id
        self.team_id = team_id
        self.member_id = member_id
        self.reason = reason
        self.rejected_at = at
        self.record("checkin.rejected", team_id, {
            "request_id": request_id, "team_id": team_id, "member_id": member_id,
            "reason": reason, "at": at.isoformat()})


def _hours(window: timedelta) -> str:
    return f"{window.total_seconds() / 3600:g}h"
