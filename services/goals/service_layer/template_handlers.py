"""Use cases for goal templates: the catalogue, and instantiating one as a draft goal."""

from __future__ import annotations

from collections.abc import Callable

from services.goals.domain.pace import local_date
from services.goals.domain.templates import TEMPLATES, Template
from services.goals.service_layer.commands import (
    CreateGoal,
    GetTemplate,
    InstantiateTemplate,
    ListTemplates,
)
from services.goals.service_layer.goal_handlers import CreatedGoal, GoalRead, create_once
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.clock import Clock
from shared.domain import NotFound, Unprocessable


def list_templates(cmd: ListTemplates) -> list[Template]:
    return list(TEMPLATES.values())


def get_template(cmd: GetTemplate) -> Template:
    if cmd.key not in TEMPLATES:
        raise NotFound(f"template {cmd.key} not found")
    return TEMPLATES[cmd.key]


def instantiate_template(cmd: InstantiateTemplate, uow: GoalsUnitOfWork, clock: Clock,
                         render_goal: Callable[[GoalRead], object]) -> CreatedGoal:
    """Save the template, filled with `parameters`, as a draft goal owned by the caller, once
    per idempotency key."""
    chosen = get_template(GetTemplate(cmd.actor, cmd.key))
    with uow:
        member = uow.members.get(cmd.actor.team_id, cmd.actor.member_id)
        timezone = member.timezone if member else "UTC"
    today = local_date(clock.now(), timezone)
    for parameter in chosen.parameters:
        if parameter.type == "date" and cmd.parameters[parameter.name] <= today:
            errors = {f"parameters.{parameter.name}": ["Must be after today."]}
            raise Unprocessable(chosen.refusal(errors), errors=errors)
    fields = chosen.build(dict(cmd.parameters), today)
    draft = CreateGoal(cmd.actor, status="draft", start_date=today, why=cmd.why,
                       parent_id=cmd.parent_id, visibility=cmd.visibility, **fields)
    return create_once(draft, uow, clock, render_goal, cmd.idempotency)
