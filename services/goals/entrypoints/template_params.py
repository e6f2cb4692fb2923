"""Validate a template's parameters with a schema built from its declared parameters."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from services.goals.domain.templates import Template
from services.goals.entrypoints.fields import Day, Text
from shared.domain import Unprocessable
from shared.problems import flatten_errors


def _field(kind: str, default: object) -> fields.Field:
    options = {"required": True} if default is None else {"load_default": default}
    if kind == "integer":
        return fields.Integer(strict=True, validate=validate.Range(1, 1000), **options)
    if kind == "date":
        return Day(**options)
    return Text(100, min_length=1, **options)


def load_parameters(template: Template, raw: dict) -> dict:
    schema = Schema.from_dict({p.name: _field(p.type, p.default) for p in template.parameters})
    try:
        return schema().load(raw)
    except ValidationError as exc:
        errors = flatten_errors(exc.messages, "parameters")
        raise Unprocessable("Invalid template parameters: " + ", ".join(sorted(errors)),
                            errors=errors) from exc
