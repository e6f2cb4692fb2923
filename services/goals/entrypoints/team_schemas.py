"""Request and response schemas for teams and members."""

from marshmallow import Schema, fields, validate

from services.goals.entrypoints.fields import HHMM_RE, Day, Text
from shared.pagination import PageArgs, page_schema
from shared.validators import timezone_name

FREQUENCIES = ("daily", "weekly", "biweekly", "monthly")


class CadenceSchema(Schema):
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    weekday = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(0, 6))
    day_of_month = fields.Integer(allow_none=True, load_default=None,
                                  validate=validate.Range(1, 31))
    time = fields.String(load_default="09:00", validate=validate.Regexp(HHMM_RE))


class WorkingHoursSchema(Schema):
    start = fields.String(required=True, validate=validate.Regexp(HHMM_RE))
    end = fields.String(required=True, validate=validate.Regexp(HHMM_RE))


def Timezone(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=[validate.Length(1, 64), timezone_name], **kwargs)


class MemberIn(Schema):
    name = Text(200, min_length=1, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=320))
    timezone = Timezone(required=True)
    role = fields.String(load_default="member", validate=validate.OneOf(["member", "lead"]))
    slack_user_id = Text(64, min_length=1, load_default=None, allow_none=True)
    working_hours = fields.Nested(WorkingHoursSchema, load_default=None, allow_none=True)
    default_cadence = fields.Nested(CadenceSchema, load_default=None, allow_none=True)


class LeadIn(MemberIn):
    class Meta:
        exclude = ("role",)


class TeamIn(Schema):
    name = Text(200, min_length=1, required=True)
    timezone = Timezone(required=True)
    require_smart = fields.Boolean(load_default=False)
    default_cadence = fields.Nested(CadenceSchema, load_default=None, allow_none=True)
    lead = fields.Nested(LeadIn, required=True)


class TeamPatch(Schema):
    name = Text(200, min_length=1)
    timezone = Timezone()
    require_smart = fields.Boolean()
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)


class TeamOut(Schema):
    id = fields.String()
    name = fields.String()
    timezone = fields.String()
    require_smart = fields.Boolean()
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)


class MemberPatch(Schema):
    name = Text(200, min_length=1)
    timezone = Timezone()
    working_hours = fields.Nested(WorkingHoursSchema, allow_none=True)
    slack_user_id = Text(64, min_length=1, allow_none=True)
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)
    snoozed_until = Day(allow_none=True, metadata={"description": "Snooze until; null wakes."})
    role = fields.String(validate=validate.OneOf(["member", "lead"]))
    state = fields.String(validate=validate.OneOf(["active", "snoozed", "left"]))


class MemberOut(Schema):
    id = fields.String()
    team_id = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    timezone = fields.String()
    slack_user_id = fields.String(allow_none=True)
    state = fields.String()
    snoozed_until = fields.Date(allow_none=True)
    working_hours = fields.Nested(WorkingHoursSchema, allow_none=True)
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)
    token_version = fields.Integer()


class MemberWithToken(MemberOut):
    token = fields.String()


class TeamCreated(Schema):
    team = fields.Nested(TeamOut)
    lead = fields.Nested(MemberWithToken)


class MemberListArgs(PageArgs):
    pass


MemberPage = page_schema(MemberOut, "MemberPage")
