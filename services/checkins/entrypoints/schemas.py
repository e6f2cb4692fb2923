"""Request and response schemas of the checkins API."""

from marshmallow import Schema, fields, validate

from shared.pagination import PageArgs, page_schema


class CheckinIn(Schema):
    value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    delta = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    confidence = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 5))
    blockers = fields.String(load_default="", validate=validate.Length(max=4000))


class CheckinOut(Schema):
    id = fields.String()
    goal_id = fields.String()
    team_id = fields.String()
    author_id = fields.String()
    value = fields.Float(allow_none=True)
    delta = fields.Float(allow_none=True)
    note = fields.String()
    confidence = fields.Integer(allow_none=True)
    blockers = fields.String()
    source = fields.String()
    created_at = fields.DateTime()


CheckinPage = page_schema(CheckinOut, "CheckinPage")
CheckinListArgs = PageArgs
