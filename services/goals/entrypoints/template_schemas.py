"""Schemas for goal templates, and the check of a template's parameters against a schema built
from the parameters it declares."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from services.goals.domain.templates import Parameter, Template
from services.goals.entrypoints.team_schemas import Day, Id, Text
from shared.domain import Unprocessable
from shared.problems import flatten_errors


class ParameterOut(Schema):
    name = fields.String()
    type = fields.String()
    description = fields.String()
    default = fields.Raw(allow_none=True)


class TemplateOut(Schema):
    key = fields.String()
    title = fields.String()
    description = fields.String()
    parameters = fields.List(fields.Nested(ParameterOut))


class TemplateList(Schema):
    items = fields.List(fields.Nested(TemplateOut))


class InstantiateIn(Schema):
    parameters = fields.Dict(keys=fields.String(), load_default=dict)
    why = Text(2000, load_default="")
    parent_id = Id(load_default=None, allow_none=True)
    visibility = fields.String(load_default="team", validate=validate.OneOf(["team", "private"]))


def _field(parameter: Parameter) -> fields.Field:
    default = parameter.default
    options = {"required": True} if default is None else {"load_default": default}
    if parameter.type == "integer":
        return fields.Integer(strict=True, validate=validate.Range(1, 1000), **options)
    if parameter.type == "date":
        return Day(**options)
    return Text(parameter.max_length, blank_ok=False, single_line=True, **options)


def load_parameters(template: Template, raw: dict) -> dict:
    """The template's parameters, read from `raw`; 422 naming each value refused, and for a
    name the template does not take, the names it takes."""
    takes = ", ".join(p.name for p in template.parameters)
    schema = Schema.from_dict({p.name: _field(p) for p in template.parameters})
    schema.error_messages = {"unknown": f"Not a parameter of this template; it takes {takes}."}
    try:
        return schema().load(raw)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages, "parameters")
        raise Unprocessable(template.refusal(errors), errors=errors) from exc
