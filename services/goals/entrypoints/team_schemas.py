"""Request and response schemas for teams and members, and the field types every goals schema
builds on: bounded, printable text; sane dates, numbers, ids, time zones and cadences.

Bounds keep bad input a precise 422 instead of a database error (NUL bytes, overflows).
"""

from __future__ import annotations

from datetime import date
from functools import cache
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate

from services.goals.service_layer.team_handlers import IssuedToken
from shared.pagination import PageArgs, page_schema
from shared.schema_fields import (
    FIGURE,
    ID_PATTERN,
    LOCAL_TIME,
    GivenEmail,
    JsonBoolean,
    JsonFloat,
    PatchBody,
    SlackUserId,
    one_line,
    printable,
    written,
)

FREQUENCIES = ("daily", "weekly", "biweekly", "monthly")
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


def Text(max_length: int, *, blank_ok: bool = True, single_line: bool = False,  # noqa: N802
         **kwargs) -> fields.String:
    """Printable text of at most `max_length` characters; a text that must be written (not
    `blank_ok`: a title, a unit, a name) is also refused empty or blank, as every service
    refuses one (`shared.schema_fields.written`), and a `single_line` one holds no line
    break."""
    checks = ([validate.Length(0, max_length), printable] if blank_ok
              else written(max_length))
    if single_line:
        checks.append(one_line)
    return fields.String(validate=checks, **kwargs)


def Id(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.Regexp(ID_PATTERN, error="Must be a goal or member id."),
                         **kwargs)


def Day(**kwargs) -> fields.Date:  # noqa: N802
    return fields.Date(validate=validate.Range(EARLIEST, LATEST), **kwargs)


def Number(**kwargs) -> JsonFloat:  # noqa: N802
    return JsonFloat(allow_nan=False, validate=FIGURE, **kwargs)


TIMEZONE_LENGTH = 64
"""The longest time zone name taken (the longest IANA name is about half as long)."""


NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})
"""Names zoneinfo may list that are no place's time: the host's own zone (a link that
differs, or is missing, from one server to the next), and tz's placeholders."""


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) - NOT_PLACES


def timezone_name(value: str) -> None:
    """The one rule for a time zone the service takes (a team's, a member's): an IANA name
    zoneinfo lists, but for `NOT_PLACES`. The name is looked up among those, never opened as a
    path, so a long, NUL-holding, path-like or unknown name is a 422 with one reason, not an
    OSError."""
    if len(value) > TIMEZONE_LENGTH:
        raise ValidationError(f"Too long for a time zone (at most {TIMEZONE_LENGTH} characters);"
                              " use an IANA name such as Europe/Berlin.")
    if value not in _zone_names():
        raise ValidationError(
            f"Unknown time zone {value!r}; use an IANA name such as Europe/Berlin.")


class CadenceSchema(Schema):
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    weekday = fields.Integer(allow_none=True, load_default=None, strict=True,
                             validate=validate.Range(0, 6))
    day_of_month = fields.Integer(allow_none=True, load_default=None, strict=True,
                                  validate=validate.Range(1, 31))
    time = fields.String(load_default="09:00", validate=LOCAL_TIME)


class WorkingHoursSchema(Schema):
    start = fields.String(required=True, validate=LOCAL_TIME)
    end = fields.String(required=True, validate=LOCAL_TIME)


def Timezone(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=timezone_name, metadata={"maxLength": TIMEZONE_LENGTH}, **kwargs)


class MemberIn(Schema):
    name = Text(200, blank_ok=False, single_line=True, required=True)
    email = GivenEmail(required=True)
    timezone = Timezone(required=True)
    role = fields.String(load_default="member", validate=validate.OneOf(["member", "lead"]))
    slack_user_id = SlackUserId(load_default=None, allow_none=True)
    working_hours = fields.Nested(WorkingHoursSchema, load_default=None, allow_none=True)
    default_cadence = fields.Nested(CadenceSchema, load_default=None, allow_none=True)


class LeadIn(MemberIn):
    class Meta:
        exclude = ("role",)


class TeamIn(Schema):
    name = Text(200, blank_ok=False, single_line=True, required=True)
    timezone = Timezone(required=True)
    require_smart = JsonBoolean(load_default=False)
    default_cadence = fields.Nested(CadenceSchema, load_default=None, allow_none=True)
    lead = fields.Nested(LeadIn, required=True)


class TeamPatch(PatchBody):
    name = Text(200, blank_ok=False, single_line=True)
    timezone = Timezone()
    require_smart = JsonBoolean()
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)


class TeamOut(Schema):
    id = fields.String()
    name = fields.String()
    timezone = fields.String()
    require_smart = fields.Boolean()
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)


class MemberPatch(PatchBody):
    name = Text(200, blank_ok=False, single_line=True)
    timezone = Timezone()
    working_hours = fields.Nested(WorkingHoursSchema, allow_none=True)
    slack_user_id = SlackUserId(allow_none=True)
    default_cadence = fields.Nested(CadenceSchema, allow_none=True)
    snoozed_until = Day(allow_none=True, metadata={
        "description": "Snooze until this day (today or later, in the member's zone); null wakes."})
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


def with_token(issued: IssuedToken) -> dict:
    """The body an added member, or a fresh token, answers with."""
    return {**render_member(issued.member), "token": issued.token}


def render_member(member: object) -> dict:
    """A member as the API answers them (an added member's answer, kept under its
    Idempotency-Key without the token)."""
    return MemberOut().dump(member)
