"""Events published by the goals service on `goals.events`."""

from marshmallow import fields, validate

from shared.events.catalog.fields import EventData, Id, Timestamp
from shared.events.registry import event

ROLES = ("member", "lead")


@event("team.created", publisher="goals")
class TeamCreated(EventData):
    team_id = Id(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)


class MemberData(EventData):
    team_id = Id(required=True)
    member_id = Id(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    timezone = fields.String(required=True)
    slack_user_id = fields.String(allow_none=True, load_default=None)
    state = fields.String(load_default="active")
    token_version = fields.Integer(load_default=1)


@event("member.added", publisher="goals")
class MemberAdded(MemberData):
    pass


class MetricData(EventData):
    unit = fields.String(required=True)
    start = fields.Float(required=True)
    target = fields.Float(required=True)
    current = fields.Float(required=True)
    direction = fields.String(load_default="increase")


class GoalData(EventData):
    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    visibility = fields.String(load_default="team")
    kind = fields.String(load_default="personal")
    start_date = fields.String(required=True)
    due_date = fields.String(allow_none=True, load_default=None)
    metric = fields.Nested(MetricData, allow_none=True, load_default=None)
    parent_id = Id(allow_none=True, load_default=None)


@event("goal.created", publisher="goals")
class GoalCreated(GoalData):
    pass


@event("goal.progressed", publisher="goals")
class GoalProgressed(EventData):
    goal_id = Id(required=True)
    team_id = Id(required=True)
    owner_id = Id(required=True)
    previous = fields.Float(allow_none=True, load_default=None)
    current = fields.Float(required=True)
    progress = fields.Float(required=True)
    checkin_id = Id(allow_none=True, load_default=None)
    at = Timestamp(required=True)
