"""Request schemas for moving a goal through its lifecycle."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.team_schemas import Id, Text
from shared.goal_statuses import CLOSED


class CloseIn(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(CLOSED))
    retrospective = Text(2000, load_default="")
    replaced_by = Id(load_default=None, allow_none=True)
