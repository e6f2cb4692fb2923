"""Events published by the checkins service on `checkins.events`."""

from marshmallow import fields, validate

from shared.events.catalog.fields import EventData, Id, Timestamp
from shared.events.registry import event


@event("checkin.logged", publisher="checkins")
class CheckinLogged(EventData):
    checkin_id = Id(required=True)
    goal_id = Id(required=True)
    team_id = Id(required=True)
    author_id = Id(required=True)
    value = fields.Float(allow_none=True, load_default=None)
    delta = fields.Float(allow_none=True, load_default=None)
    note = fields.String(load_default="")
    confidence = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 5))
    completed_milestones = fields.List(Id(), load_default=list)
    blockers = fields.String(load_default="")
    at = Timestamp(required=True)
    source = fields.String(load_default="api")
    request_id = Id(allow_none=True, load_default=None)
