"""Use cases for goal templates: the catalogue, and instantiating one as a draft goal."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from services.goals.domain.templates import TEMPLATES, Template
from services.goals.service_layer.goals import CreateGoal, GoalRead, create_goal
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import NotFound, Unprocessable


def catalogue() -> list[Template]:
    return list(TEMPLATES.values())


def template(key: str) -> Template:
    if key not in TEMPLATES:
        raise NotFound(f"template {key} not found")
    return TEMPLATES[key]


def instantiate(key: str, parameters: dict, options: dict, principal: Principal,
                uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    """Save the template, filled with `parameters`, as a draft goal owned by the caller."""
    chosen = template(key)
    with uow:
        member = uow.members.get(principal.team_id, principal.member_id)
        timezone = member.timezone if member else "UTC"
    today = clock.now().astimezone(ZoneInfo(timezone)).date()
    for parameter in chosen.parameters:
        if parameter.type == "date" and parameters[parameter.name] <= today:
            raise Unprocessable("the date must be in the future",
                                errors={f"parameters.{parameter.name}": ["Must be after today."]})
    fields = chosen.build(parameters, today)
    return create_goal(CreateGoal(status="draft", start_date=today, **fields, **options),
                       principal, uow, clock)
