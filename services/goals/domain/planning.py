"""How a goal changes its plans: milestones added, reordered, completed and reopened; pathways
added and switched to. Mixed into the goal aggregate. A closed goal keeps the plan (and the
metric, see `Goal.edit`) it was closed with: reopened, they change again."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime

from services.goals.domain.pathways import (
    Milestone,
    Pathway,
    find_pathway,
    pathway_holding,
    replace_pathway,
)
from shared.domain import Conflict, Unprocessable
from shared.goal_statuses import CLOSED, status_in_words

MAX_MILESTONES = 100
MAX_PATHWAYS = 10


def ensure_due_within(milestone_due: date | None, goal_start: date, goal_due: date,
                      field: str = "due_date", *, start_note: str = "") -> None:
    """422 on `field` for a milestone due before its goal starts or after it is due: a step of
    the goal falls within its days. `start_note` says where a start the request did not give
    came from."""
    if milestone_due is not None and milestone_due < goal_start:
        day = goal_start.isoformat()
        raise Unprocessable(
            f"a milestone is due on or after its goal's start date, {day}{start_note}",
            errors={field: [f"Must be on or after the goal's start date, {day}{start_note}."]})
    if milestone_due is not None and milestone_due > goal_due:
        day = goal_due.isoformat()
        raise Unprocessable(f"a milestone is due on or before its goal's due date, {day}",
                            errors={field: [f"Must be on or before the goal's due date, {day}."]})


def dated_milestones(pathways: tuple[Pathway, ...]) -> list[Milestone]:
    """The milestones of every pathway that have a due date."""
    return [m for p in pathways for m in p.milestones if m.due_date is not None]


class Planning:
    def add_milestone(self, title: str, due_date: date | None, *, pathway_id: str | None,
                      actor: str | None, at: datetime) -> Milestone:
        self._ensure_open_plan()
        ensure_due_within(due_date, self.start_date, self.due_date)
        pathway = find_pathway(self.pathways, pathway_id)
        if len(pathway.milestones) >= MAX_MILESTONES:
            raise Conflict(f"a pathway holds at most {MAX_MILESTONES} milestones")
        milestone = Milestone(str(uuid.uuid4()), title, due_date)
        self._replan(pathway.with_milestone(milestone), "milestone_added", actor, at,
                     {"milestone": [None, title]})
        return milestone

    def reorder_milestones(self, ids: list[str], *, pathway_id: str | None,
                           actor: str | None, at: datetime) -> None:
        """Put the pathway's milestones in the order of `ids`; the order they already have
        changes nothing (no note, no event, no new version)."""
        self._ensure_open_plan()
        pathway = find_pathway(self.pathways, pathway_id)
        before = [m.id for m in pathway.milestones]
        if list(ids) == before:
            return
        self._replan(pathway.reordered(ids), "milestones_reordered", actor, at,
                     {"order": [before, list(ids)]})

    def complete_milestone(self, milestone_id: str, *, actor: str | None, at: datetime,
                           checkin_id: str | None = None) -> bool:
        """Mark done; False when it already was (a repeated completion changes nothing but
        counts the check-in `checkin_id` among those naming it, see `take_back_milestones`).
        The `goal.progressed` it makes names `checkin_id`, the check-in that completed it, if
        any."""
        self._ensure_open_plan()
        pathway = pathway_holding(self.pathways, milestone_id)
        milestone = pathway.milestone(milestone_id)
        if milestone.done:
            if checkin_id is not None:
                self.pathways = replace_pathway(
                    self.pathways, pathway.with_milestone(milestone.also_named_by(checkin_id)))
            return False
        previous = self.progress
        done = milestone.completed(at.isoformat(), checkin_id)
        self._replan(pathway.with_milestone(done), "milestone_completed", actor, at,
                     {"milestone": [milestone.title, "done"]}, publish=False)
        self.record("goal.milestone_completed", self.team_id, {
            "goal_id": self.id, "team_id": self.team_id, "owner_id": self.owner_id,
            "milestone_id": milestone.id, "title": milestone.title, "progress": self.progress,
            "at": at.isoformat()}, subject=self.id)
        self._announce_milestone_move(previous, at, checkin_id)
        return True

    def reopen_milestone(self, milestone_id: str, *, actor: str | None, at: datetime) -> None:
        self._ensure_open_plan()
        pathway = pathway_holding(self.pathways, milestone_id)
        milestone = pathway.milestone(milestone_id)
        if not milestone.done:
            raise Conflict("the milestone is not done")
        self._replan(pathway.with_milestone(milestone.reopened()), "milestone_reopened", actor,
                     at, {"milestone": [milestone.title, "open"]})

    def take_back_milestones(self, checkin_id: str, named: Collection[str], *,
                             actor: str | None, at: datetime) -> None:
        """The check-in `checkin_id` was corrected to name only `named`: each milestone it
        completed and no longer names is open again, unless another check-in still names it
        done; one done by hand stays done. A reopening that moves progress makes a
        `goal.progressed` naming the check-in, as its completion did."""
        self._ensure_open_plan()
        taken_back = [(p.id, m) for p in self.pathways for m in p.milestones
                      if checkin_id in m.completed_by and m.id not in named]
        for pathway_id, milestone in taken_back:
            self._unname(pathway_id, milestone, checkin_id, actor=actor, at=at)

    def _unname(self, pathway_id: str, milestone: Milestone, checkin_id: str, *,
                actor: str | None, at: datetime) -> None:
        pathway = find_pathway(self.pathways, pathway_id)
        kept = milestone.no_longer_named_by(checkin_id)
        if kept.completed_by:
            self.pathways = replace_pathway(self.pathways, pathway.with_milestone(kept))
            return
        previous = self.progress
        self._replan(pathway.with_milestone(kept.reopened()), "milestone_reopened", actor, at,
                     {"milestone": [milestone.title, "open"]}, publish=False)
        self._announce_milestone_move(previous, at, checkin_id)

    def _announce_milestone_move(self, previous: float, at: datetime,
                                 checkin_id: str | None) -> None:
        """The `goal.progressed` of a milestone done or open again, naming the check-in that
        did it, when progress moved from `previous` (its point was left by `_replan`)."""
        if self.progress != previous:
            self._announce_progress(previous, None, at=at, source="milestone",
                                    checkin_id=checkin_id)

    def add_pathway(self, name: str, description: str, *, actor: str | None,
                    at: datetime) -> Pathway:
        self._ensure_open_plan()
        if len(self.pathways) >= MAX_PATHWAYS:
            raise Conflict(f"a goal keeps at most {MAX_PATHWAYS} pathways")
        if any(p.name == name for p in self.pathways):
            raise Conflict(f"a pathway named {name!r} already exists")
        pathway = Pathway(str(uuid.uuid4()), name, description)
        self.pathways = (*self.pathways, pathway)
        self.note("pathway_added", actor, at, {"pathway": [None, name]})
        self.publish("goal.updated")
        return pathway

    def switch_pathway(self, pathway_id: str, reason: str, *, actor: str | None,
                       at: datetime) -> None:
        self._ensure_open_plan()
        target = find_pathway(self.pathways, pathway_id)
        current = self.active_pathway
        if target.id == current.id:
            raise Conflict("this pathway is already the active one")
        self.pathways = tuple(
            replace(p, active=p.id == target.id,
                    switch_reason=reason if p.id == target.id else p.switch_reason)
            for p in self.pathways)
        self.resettle(at)
        self.note("pathway_switched", actor, at,
                  {"pathway": [current.name, target.name], "reason": [None, reason]})
        self.publish("goal.pathway_switched", pathway_id=target.id, pathway_name=target.name,
                     reason=reason)

    def ensure_plan_due_by(self, due: date) -> None:
        """422 on due_date for a goal due before one of its milestones (of any pathway): the
        milestones stay due by the goal's due date when it moves, as when they are added."""
        latest = max(dated_milestones(self.pathways), key=lambda m: m.due_date, default=None)
        if latest is not None and latest.due_date > due:
            day = latest.due_date.isoformat()
            raise Unprocessable(
                f"due_date {due.isoformat()} is before milestone “{latest.title}”, due {day}; "
                "a goal's milestones are due by its due date",
                errors={"due_date": [f"Must be on or after {day}, when milestone "
                                     f"“{latest.title}” is due."]})

    def ensure_plan_starts_by(self, start: date) -> None:
        """422 on start_date for a goal starting after one of its milestones (of any pathway)
        is due: the milestones stay due on or after the goal's start when it moves, as when
        they are added."""
        earliest = min(dated_milestones(self.pathways), key=lambda m: m.due_date, default=None)
        if earliest is not None and earliest.due_date < start:
            day = earliest.due_date.isoformat()
            raise Unprocessable(
                f"start_date {start.isoformat()} is after milestone “{earliest.title}”, due "
                f"{day}; a goal's milestones are due on or after its start date",
                errors={"start_date": [f"Must be on or before {day}, when milestone "
                                       f"“{earliest.title}” is due."]})

    def _ensure_open_plan(self, part: str = "its milestones or pathways", *,
                          kept_when: tuple[str, ...] = CLOSED) -> None:
        """409 for a goal whose status is one of `kept_when` (closed, by default): its plan
        (`part` of it: its metric, its milestones or pathways) stays as the goal ended with it
        until it is reopened."""
        if self.status in kept_when:
            raise Conflict(f"goal “{self.title}” is {status_in_words(self.status)}; reopen it "
                           f"before changing {part}")

    def _replan(self, pathway: Pathway, action: str, actor: str | None, at: datetime,
                changes: dict, *, publish: bool = True) -> None:
        self.pathways = replace_pathway(self.pathways, pathway)
        self.resettle(at)
        self.note(action, actor, at, changes)
        if publish:
            self.publish("goal.updated")
