"""Pathways (alternative plans) and their milestones: immutable values inside a goal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from shared.domain import NotFound, Unprocessable


@dataclass(frozen=True)
class Milestone:
    """`completed_by`: the check-ins that name it done, when a check-in completed it (empty
    when it is open, was completed by hand, or was completed before goals kept them): a
    correction of the last of them takes the completion back."""

    id: str
    title: str
    due_date: date | None = None
    done: bool = False
    done_at: str | None = None
    completed_by: tuple[str, ...] = ()

    def completed(self, at: str, checkin_id: str | None) -> Milestone:
        return replace(self, done=True, done_at=at,
                       completed_by=(checkin_id,) if checkin_id else ())

    def reopened(self) -> Milestone:
        return replace(self, done=False, done_at=None, completed_by=())

    def also_named_by(self, checkin_id: str) -> Milestone:
        """Named done by one more check-in: counted only when check-ins completed it (one
        done by hand stays done by hand)."""
        if not self.completed_by or checkin_id in self.completed_by:
            return self
        return replace(self, completed_by=(*self.completed_by, checkin_id))

    def no_longer_named_by(self, checkin_id: str) -> Milestone:
        return replace(self, completed_by=tuple(c for c in self.completed_by if c != checkin_id))

    def as_event_data(self) -> dict:
        return {"milestone_id": self.id, "title": self.title, "done": self.done,
                "due_date": self.due_date.isoformat() if self.due_date else None}


@dataclass(frozen=True)
class Pathway:
    id: str
    name: str
    description: str = ""
    active: bool = False
    milestones: tuple[Milestone, ...] = ()
    switch_reason: str = ""

    @property
    def progress(self) -> float | None:
        """done / total, or None when the plan has no milestones."""
        if not self.milestones:
            return None
        return sum(m.done for m in self.milestones) / len(self.milestones)

    def milestone(self, milestone_id: str) -> Milestone:
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise NotFound(f"milestone {milestone_id} not found")

    def with_milestone(self, milestone: Milestone) -> Pathway:
        kept = [m if m.id != milestone.id else milestone for m in self.milestones]
        if milestone.id not in {m.id for m in self.milestones}:
            kept.append(milestone)
        return replace(self, milestones=tuple(kept))

    def reordered(self, ids: list[str]) -> Pathway:
        current = {m.id: m for m in self.milestones}
        if sorted(ids) != sorted(current) or len(set(ids)) != len(ids):
            raise Unprocessable("milestone_ids must list every milestone of the pathway once",
                                errors={"milestone_ids": ["Must be a permutation of the "
                                                          "pathway's milestone ids."]})
        return replace(self, milestones=tuple(current[i] for i in ids))


def replace_pathway(pathways: tuple[Pathway, ...], changed: Pathway) -> tuple[Pathway, ...]:
    return tuple(changed if p.id == changed.id else p for p in pathways)


def find_pathway(pathways: tuple[Pathway, ...], pathway_id: str | None) -> Pathway:
    for pathway in pathways:
        if (pathway_id is None and pathway.active) or pathway.id == pathway_id:
            return pathway
    raise NotFound(f"pathway {pathway_id} not found")


def pathway_holding(pathways: tuple[Pathway, ...], milestone_id: str) -> Pathway:
    for pathway in pathways:
        if any(m.id == milestone_id for m in pathway.milestones):
            return pathway
    raise NotFound(f"milestone {milestone_id} not found")
