"""Schemas of the team's check-ins due: when each goal is next due, and its streak."""

from marshmallow import Schema, fields

from services.checkins.entrypoints.checkin_schemas import applied_frequency


class DueArgs(Schema):
    owner_id = fields.String(load_default=None, metadata={"description": "Only this owner's."})


class DueOut(Schema):
    goal_id = fields.String()
    owner_id = fields.String()
    next_due_at = fields.DateTime()
    overdue = fields.Boolean()
    current_streak = fields.Integer()
    longest_streak = fields.Integer()
    last_checkin_at = fields.DateTime(allow_none=True)
    frequency = applied_frequency()


class DueList(Schema):
    items = fields.List(fields.Nested(DueOut))
