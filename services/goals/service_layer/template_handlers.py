"""Use cases for goal templates: the catalogue, and instantiating one as a draft goal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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
    per idempotency key: a retry gets the first answer back whatever day it comes on, as the
    dates are judged against today only for a draft being made."""
    chosen = get_template(GetTemplate(cmd.actor, cmd.key))
    return create_once(lambda now: _draft(chosen, cmd, uow, now), uow, clock, render_goal,
                       cmd.idempotency)


def _draft(chosen: Template, cmd: InstantiateTemplate, uow: GoalsUnitOfWork,
           now: datetime) -> CreateGoal:
    """The draft goal `chosen` makes of `cmd`'s parameters on the caller's today (inside
    `uow`); 422 on a date parameter that is not after that day."""
    member = uow.members.get(cmd.actor.team_id, cmd.actor.member_id)
    today = local_date(now, member.timezone if member else "UTC")
    for parameter in chosen.parameters:
        if parameter.type == "date" and cmd.parameters[parameter.name] <= today:
            errors = {f"parameters.{parameter.name}": ["Must be after today."]}
            raise Unprocessable(chosen.refusal(errors), errors=errors)
    fields = chosen.build(dict(cmd.parameters), today)
    return CreateGoal(cmd.actor, status="draft", start_date=today, why=cmd.why,
                      parent_id=cmd.parent_id, visibility=cmd.visibility, **fields)
