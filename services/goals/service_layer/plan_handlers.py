"""Use cases for the milestones and pathways of a goal (its owner or a lead)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.goals.domain.alignment import settle
from services.goals.domain.goal import Goal
from services.goals.domain.pathways import Milestone, Pathway, find_pathway
from services.goals.service_layer.access import editable_goal
from services.goals.service_layer.commands import (
    AddMilestone,
    AddPathway,
    CompleteMilestone,
    ReopenMilestone,
    ReorderMilestones,
    SwitchPathway,
)
from services.goals.service_layer.move_handlers import MovedGoal, Render, moved_once
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.clock import Clock
from shared.idempotency import Once, made_once


def add_milestone(cmd: AddMilestone, uow: GoalsUnitOfWork, clock: Clock,
                  render_milestone: Callable[[Milestone], object]) -> Once[Milestone]:
    """Add a milestone; with an idempotency key, the response is saved in the same
    transaction, so a retry gets it back instead of adding a second one (whatever the goal or
    the caller's rights have become since, as every keyed POST)."""
    actor, now = cmd.actor.member_id, clock.now()

    def added() -> Milestone:
        goal = editable_goal(cmd.goal_id, cmd.actor, uow)
        milestone = goal.add_milestone(cmd.title, cmd.due_date, pathway_id=cmd.pathway_id,
                                       actor=actor, at=now)
        settle(goal, uow.goals, now=now, actor=actor)
        return milestone

    with uow:
        result = made_once(uow.idempotency_keys, cmd.idempotency, now, added, render_milestone)
        uow.commit()
    return result


def reorder_milestones(cmd: ReorderMilestones, uow: GoalsUnitOfWork, clock: Clock) -> Pathway:
    with uow:
        goal = editable_goal(cmd.goal_id, cmd.actor, uow)
        goal.reorder_milestones(cmd.milestone_ids, pathway_id=cmd.pathway_id,
                                actor=cmd.actor.member_id, at=clock.now())
        uow.commit()
    return find_pathway(goal.pathways, cmd.pathway_id)


def complete_milestone(cmd: CompleteMilestone, uow: GoalsUnitOfWork, clock: Clock,
                       render_goal: Render) -> MovedGoal:
    """Mark a milestone done, once per idempotency key (`moved_once`)."""

    def complete(goal: Goal, *, actor: str, at: datetime) -> None:
        goal.complete_milestone(cmd.milestone_id, actor=actor, at=at)

    return moved_once(cmd, uow, clock, render_goal, complete)


def reopen_milestone(cmd: ReopenMilestone, uow: GoalsUnitOfWork, clock: Clock,
                     render_goal: Render) -> MovedGoal:
    """Open a done milestone again, once per idempotency key: a double click's second gets
    the first answer instead of 409 'the milestone is not done' (`moved_once`)."""

    def reopen(goal: Goal, *, actor: str, at: datetime) -> None:
        goal.reopen_milestone(cmd.milestone_id, actor=actor, at=at)

    return moved_once(cmd, uow, clock, render_goal, reopen)


def add_pathway(cmd: AddPathway, uow: GoalsUnitOfWork, clock: Clock,
                render_pathway: Callable[[Pathway], object]) -> Once[Pathway]:
    """Add a pathway once per idempotency key (as `add_milestone`): a double click's second
    gets the first answer instead of a second pathway (or 409, the name being taken)."""
    now = clock.now()

    def added() -> Pathway:
        goal = editable_goal(cmd.goal_id, cmd.actor, uow)
        return goal.add_pathway(cmd.name, cmd.description, actor=cmd.actor.member_id, at=now)

    with uow:
        result = made_once(uow.idempotency_keys, cmd.idempotency, now, added, render_pathway)
        uow.commit()
    return result


def switch_pathway(cmd: SwitchPathway, uow: GoalsUnitOfWork, clock: Clock,
                   render_goal: Render) -> MovedGoal:
    """Switch to another pathway, once per idempotency key: a double click's second gets the
    first answer instead of 409 'this pathway is already the active one' (`moved_once`)."""

    def switch(goal: Goal, *, actor: str, at: datetime) -> None:
        goal.switch_pathway(cmd.pathway_id, cmd.reason, actor=actor, at=at)

    return moved_once(cmd, uow, clock, render_goal, switch)
