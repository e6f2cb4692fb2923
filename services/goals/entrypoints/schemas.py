"""Request and response schemas of the goals API (marshmallow, documented by flask-smorest)."""

from marshmallow import Schema, fields, validate

from shared.validators import timezone_name

Name = fields.String(required=True, validate=validate.Length(1, 200))


class MemberIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    email = fields.Email(required=True)
    timezone = fields.String(required=True, validate=timezone_name)
    role = fields.String(load_default="member", validate=validate.OneOf(["member", "lead"]))
    slack_user_id = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(1, 64))


class LeadIn(MemberIn):
    class Meta:
        exclude = ("role",)


class TeamIn(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 200))
    timezone = fields.String(required=True, validate=timezone_name)
    require_smart = fields.Boolean(load_default=False)
    lead = fields.Nested(LeadIn, required=True)


class TeamOut(Schema):
    id = fields.String()
    name = fields.String()
    timezone = fields.String()
    require_smart = fields.Boolean()


class MemberOut(Schema):
    id = fields.String()
    team_id = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    timezone = fields.String()
    slack_user_id = fields.String(allow_none=True)
    state = fields.String()


class MemberWithToken(MemberOut):
    token = fields.String()


class TeamCreated(Schema):
    team = fields.Nested(TeamOut)
    lead = fields.Nested(MemberWithToken)


class MetricIn(Schema):
    unit = fields.String(required=True, validate=validate.Length(1, 50))
    start = fields.Float(required=True, allow_nan=False)
    target = fields.Float(required=True, allow_nan=False)
    current = fields.Float(allow_nan=False)
    direction = fields.String(load_default="increase",
                              validate=validate.OneOf(["increase", "decrease"]))


class MetricOut(Schema):
    unit = fields.String()
    start = fields.Float()
    target = fields.Float()
    current = fields.Float()
    direction = fields.String()


class GoalIn(Schema):
    title = fields.String(required=True, validate=validate.Length(1, 200))
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    why = fields.String(load_default="", validate=validate.Length(max=2000))
    start_date = fields.Date(load_default=None)
    due_date = fields.Date(required=True)
    metric = fields.Nested(MetricIn, load_default=None, allow_none=True)
    status = fields.String(load_default="active", validate=validate.OneOf(["draft", "active"]))
    kind = fields.String(load_default="personal", validate=validate.OneOf(["personal", "team"]))
    visibility = fields.String(load_default="team", validate=validate.OneOf(["team", "private"]))
    parent_id = fields.String(load_default=None, allow_none=True)


class GoalOut(Schema):
    id = fields.String()
    team_id = fields.String()
    owner_id = fields.String()
    title = fields.String()
    description = fields.String()
    why = fields.String()
    kind = fields.String()
    visibility = fields.String()
    status = fields.String()
    start_date = fields.Date()
    due_date = fields.Date(allow_none=True)
    metric = fields.Nested(MetricOut, allow_none=True)
    progress = fields.Float()
    parent_id = fields.String(allow_none=True)
