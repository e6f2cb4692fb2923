"""Use cases for milestones and pathways of a goal (owner or lead)."""

from __future__ import annotations

from datetime import date

from services.goals.domain.model import Milestone, Pathway
from services.goals.service_layer.access import editable_goal
from services.goals.service_layer.goals import GoalRead, read
from services.goals.service_layer.progress import settle
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock


def add_milestone(goal_id: str, title: str, due_date: date | None, pathway_id: str | None,
                  principal: Principal, uow: GoalsUnitOfWork, clock: Clock) -> Milestone:
    now = clock.now()
    with uow:
        goal = editable_goal(goal_id, principal, uow)
        milestone = goal.add_milestone(title, due_date, pathway_id=pathway_id,
                                       actor=principal.member_id, at=now)
        settle(goal, uow, now=now, actor=principal.member_id)
        uow.commit()
    return milestone


def reorder_milestones(goal_id: str, ids: list[str], pathway_id: str | None,
                       principal: Principal, uow: GoalsUnitOfWork, clock: Clock) -> Pathway:
    with uow:
        goal = editable_goal(goal_id, principal, uow)
        goal.reorder_milestones(ids, pathway_id=pathway_id, actor=principal.member_id,
                                at=clock.now())
        uow.commit()
    return next(p for p in goal.pathways if p.id == pathway_id or (not pathway_id and p.active))


def set_milestone_done(goal_id: str, milestone_id: str, done: bool, principal: Principal,
                       uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    now = clock.now()
    with uow:
        goal = editable_goal(goal_id, principal, uow)
        if done:
            goal.complete_milestone(milestone_id, actor=principal.member_id, at=now)
        else:
            goal.reopen_milestone(milestone_id, actor=principal.member_id, at=now)
        settle(goal, uow, now=now, actor=principal.member_id)
        uow.commit()
        return read(goal, uow, now.date())


def add_pathway(goal_id: str, name: str, description: str, principal: Principal,
                uow: GoalsUnitOfWork, clock: Clock) -> Pathway:
    with uow:
        goal = editable_goal(goal_id, principal, uow)
        pathway = goal.add_pathway(name, description, actor=principal.member_id, at=clock.now())
        uow.commit()
    return pathway


def switch_pathway(goal_id: str, pathway_id: str, reason: str, principal: Principal,
                   uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    now = clock.now()
    with uow:
        goal = editable_goal(goal_id, principal, uow)
        goal.switch_pathway(pathway_id, reason, actor=principal.member_id, at=now)
        settle(goal, uow, now=now, actor=principal.member_id)
        uow.commit()
        return read(goal, uow, now.date())
