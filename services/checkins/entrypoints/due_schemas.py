"""Schemas of the team's check-ins due: when each goal is next due, and its streak."""

from marshmallow import Schema, fields, validate

from services.checkins.entrypoints.checkin_schemas import applied_frequency
from shared.pagination import PageArgs, page_schema
from shared.schema_fields import ID_PATTERN

MEMBER_ID = validate.Regexp(ID_PATTERN, error="Must be a member id.")
"""A member id as the goals service issues them (a UUID, lower case): anything else names no
one, and a filter by it would answer an empty list as if the member had nothing due."""


class DueArgs(PageArgs):
    owner_id = fields.String(load_default=None, validate=MEMBER_ID,
                             metadata={"description": "Only this owner's (a member id)."})


class DueOut(Schema):
    goal_id = fields.String()
    owner_id = fields.String()
    next_due_at = fields.DateTime()
    overdue = fields.Boolean()
    current_streak = fields.Integer()
    longest_streak = fields.Integer()
    last_checkin_at = fields.DateTime(allow_none=True)
    frequency = applied_frequency()


DueList = page_schema(DueOut, "DueItems")
